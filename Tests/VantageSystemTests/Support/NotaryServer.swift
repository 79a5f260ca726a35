import Foundation
import VantageTestSupport
import VantageTUF

/// A real `notary-server` (Debian's `notary`, in-memory storage, TLS) run through scripts/testbed/notary.sh, on
/// loopback or inside a namespace, and the real `notary` client publishing and rotating GUNs on it.
struct NotaryServer: Sendable {
    /// The server's folder (config, TLS, publisher trust dir, log).
    let dir: String
    /// Where the server and its publishing client run.
    let place: Place
    /// The URL clients use (its host name must match the certificate and resolve at `place`).
    let url: String
    /// The CA certificate that signed the server certificate.
    var caFile: String { dir + "/tls/ca.crt" }

    /// Starts a server. `listen` is the address it binds (`NOTARY_LISTEN_ADDR`), `caDir` a CA folder shared with
    /// other servers (`NOTARY_CA_DIR`), `extraSANs` more certificate names (`NOTARY_EXTRA_SANS`).
    static func start(
        dir: String, place: Place, port: Int, url: String, listen: String? = nil, caDir: String? = nil, extraSANs: String? = nil
    ) async throws -> NotaryServer {
        var environment: [String: String] = [:]
        if let listen { environment["NOTARY_LISTEN_ADDR"] = listen }
        if let caDir { environment["NOTARY_CA_DIR"] = caDir }
        if let extraSANs { environment["NOTARY_EXTRA_SANS"] = extraSANs }
        try await place.runChecked("/bin/bash", [PackagePaths.notaryScript, "up", dir, "\(port)"], environment: environment)
        return NotaryServer(dir: dir, place: place, url: url)
    }

    /// Starts a server on 127.0.0.1 on a random free port (retrying on a port clash).
    static func startLocal(dir: String) async throws -> NotaryServer {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            do {
                return try await start(dir: dir, place: .local, port: port, url: "https://127.0.0.1:\(port)")
            } catch {
                lastError = error
                _ = try? await Place.local.run("/bin/bash", [PackagePaths.notaryScript, "down", dir])
            }
        }
        throw lastError ?? TestFailure("notary-server did not start")
    }

    /// `notary init` + `add` + `publish` of `gun` from this server's publisher trust dir (its own root key).
    func publish(_ gun: String) async throws {
        try await place.runChecked("/bin/bash", [PackagePaths.notaryScript, "publish", dir, url, gun])
    }

    /// `notary key rotate gun root` (the real client; the server then serves N+1.root.json, signed by old and new key).
    func rotate(_ gun: String) async throws {
        try await place.runChecked("/bin/bash", [PackagePaths.notaryScript, "rotate", dir, url, gun])
    }

    /// The exact bytes of `gun`'s current root.json as served.
    func root(_ gun: String) async throws -> Root {
        let out = dir + "/fetched-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try await place.runChecked("curl", ["-sf", "--max-time", "10", "--cacert", caFile, "-o", out, "\(url)/v2/\(gun)/_trust/tuf/root.json"])
        guard let data = FileManager.default.contents(atPath: out) else { throw TestFailure("no root fetched for \(gun)") }
        return try Root.parse(Array(data))
    }

    /// Stops the server (idempotent).
    func stop() async {
        _ = try? await place.run("/bin/bash", [PackagePaths.notaryScript, "down", dir])
    }
}

/// The real `notary` client: `notary -s URL -d TRUSTDIR --tlscacert CA list GUN`, run at `place`.
func notaryList(place: Place, url: String, gun: String, trustDir: String, caFile: String) async throws -> CommandResult {
    try await place.run("/bin/bash", [PackagePaths.notaryScript, "list", url, gun, trustDir, caFile])
}
