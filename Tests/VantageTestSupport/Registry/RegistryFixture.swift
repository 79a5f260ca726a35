import Foundation

/// A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) serving HTTPS on 127.0.0.1 with a
/// test CA made by `scripts/testbed/notary.sh certs`, either open to anonymous clients or behind token auth whose
/// realm is the tests' own token server (``RegistryTokenServer``). Images go in with ``Skopeo``. ``stop()`` (or
/// deinit) kills both processes and removes the scratch folder.
public final class RegistryFixture: @unchecked Sendable {
    /// How clients are let in.
    public enum Auth: Sendable, Equatable {
        /// Anonymous pulls and pushes.
        case anonymous
        /// Bearer tokens from the tests' token server; with `credentials`, the token server answers only requests
        /// carrying exactly those HTTP basic credentials (so a test can check that a client sends them).
        case token(credentials: RegistryCredentials? = nil)
    }

    /// The `service` of the token flow (`WWW-Authenticate: Bearer …,service=…`, the JWT `aud`).
    public static let service = "vantage-test-registry"
    /// The `Accept` media types of a client that takes any manifest or index (OCI and Docker schema 2).
    public static let manifestMediaTypes = [
        OCIMediaTypes.oci.manifest, OCIMediaTypes.oci.index, OCIMediaTypes.docker.manifest, OCIMediaTypes.docker.index,
    ]

    /// `true` when `docker-registry`, `skopeo`, `curl`, `openssl` and Debian's python3 with `cryptography` are here
    /// (scripts/install-test-deps.sh installs them): suites take `.enabled(if: RegistryFixture.isAvailable)`.
    public static let isAvailable: Bool = {
        guard ["docker-registry", "skopeo", "curl", "openssl"].allSatisfy({ ChildProcess.which($0) != nil }) else { return false }
        return (try? runCommandBlocking("/usr/bin/python3", ["-c", "import cryptography"]).status) == 0
    }()

    public let auth: Auth
    /// The registry's port on 127.0.0.1.
    public let port: Int
    /// The PEM CA certificate the registry's (and token server's) TLS certificate chains to.
    public let caFile: String
    /// A folder holding only `ca.crt` (= ``caFile``): skopeo's `--cert-dir` / `--dest-cert-dir`.
    public let certDirectory: String
    /// The scratch folder (config, storage, logs).
    public let scratch: Scratch
    /// The `--policy` file of ``Skopeo``'s commands.
    let skopeoPolicy: String
    let child: ChildProcess
    let tokenServer: RegistryTokenServer?

    /// Starts a registry (and for `.token`, its token server) and waits until `/v2/` answers.
    public init(auth: Auth = .anonymous) async throws {
        self.auth = auth
        let scratch = try Scratch("vantage-registry")
        self.scratch = scratch
        var server: RegistryTokenServer?
        do {
            let pki = scratch.file("pki")
            let made = try await runCommand("/bin/bash", [PackagePaths.notaryScript, "certs", pki])
            guard made.status == 0 else { throw TestFailure("notary.sh certs failed: \(made.output)") }
            caFile = pki + "/ca/ca.crt"
            certDirectory = try scratch.directory("certs")
            try FileManager.default.copyItem(atPath: caFile, toPath: certDirectory + "/ca.crt")
            skopeoPolicy = try scratch.write(#"{"default":[{"type":"insecureAcceptAnything"}]}"#, to: "skopeo-policy.json")
            let (certificate, key) = (pki + "/tls/server.crt", pki + "/tls/server.key")
            if case .token(let credentials) = auth {
                server = try await RegistryTokenServer(scratch: scratch, certificate: certificate, key: key, credentials: credentials)
            }
            tokenServer = server
            (child, port) = try await Self.startRegistry(
                scratch: scratch, caFile: caFile, certificate: certificate, key: key, tokenServer: server)
        } catch {
            server?.child.stop()
            scratch.remove()
            throw error
        }
    }

    deinit { stop() }

    /// Kills the registry and the token server and removes the scratch folder (idempotent).
    public func stop() {
        child.stop()
        tokenServer?.child.stop()
        scratch.remove()
    }

    /// `127.0.0.1:PORT`, the registry host in image references.
    public var host: String { "127.0.0.1:\(port)" }
    /// `https://127.0.0.1:PORT`, the registry API base URL.
    public var baseURL: String { "https://\(host)" }
    /// `127.0.0.1:PORT/REPOSITORY:TAG`.
    public func reference(_ repository: String, tag: String) -> String { "\(host)/\(repository):\(tag)" }
    /// The token server's realm (`https://127.0.0.1:PORT/token`), in token mode.
    public var realm: String? { tokenServer?.realm }
    /// The credentials the token server requires, if any.
    public var credentials: RegistryCredentials? {
        if case .token(let credentials) = auth { return credentials }
        return nil
    }

    /// Every request the token server answered so far, in order (empty for an anonymous registry).
    public func tokenRequests() throws -> [TokenRequest] { try tokenServer?.requests() ?? [] }

    /// Every request the registry logged so far, in order: tests count manifest GETs and HEADs with it.
    public func accessLog() -> [RegistryAccess] {
        let text = child.outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return text.split(separator: "\n").compactMap(RegistryAccess.init(line:))
    }

    /// The registry's log (for failure messages).
    public func logTail(_ lines: Int = 20) -> String { child.logTail(lines) }

    private static func startRegistry(
        scratch: Scratch, caFile: String, certificate: String, key: String, tokenServer: RegistryTokenServer?
    ) async throws -> (ChildProcess, Int) {
        // freePort() can race with another test binding the same port: the registry then exits, and we retry.
        for attempt in 1...5 {
            let port = try freePort()
            let config = try scratch.write(
                RegistryConfiguration(
                    storage: try scratch.directory("storage"), port: port, certificate: certificate, key: key, tokenServer: tokenServer
                ).yaml, to: "config.yml")
            let log = scratch.file("registry-\(attempt).log")
            let child = try ChildProcess("docker-registry", ["serve", config], outputPath: log)
            let probe = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", caFile, "https://127.0.0.1:\(port)/v2/"]
            let ready = try await waitFor("docker-registry on port \(port) to answer /v2/", seconds: 60, every: .milliseconds(100)) { () -> Bool? in
                guard child.isRunning else { return false }
                let status = try await runCommand("curl", probe).stdout
                return status == "200" || status == "401" ? true : nil
            }
            if ready { return (child, port) }
            child.stop()
            guard child.logTail(50).contains("address already in use") else {
                throw TestFailure("docker-registry exited: \(child.logTail())")
            }
        }
        throw TestFailure("docker-registry found no free port in 5 attempts")
    }
}

/// A response of the registry or token server, read with curl (which trusts the fixture's CA).
public struct RegistryResponse: Sendable {
    public var status: Int
    /// Header values by lowercased name (repeated headers joined with ", ").
    public var headers: [String: String]
    /// The body (always empty for HEAD).
    public var body: [UInt8]

    /// The value of header `name` (any case).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

extension RegistryFixture {
    /// `method` `url` (default: a path on the registry) with `headers`, `credentials` as HTTP basic auth, read with
    /// curl trusting ``caFile``; bounded by a 30 s deadline.
    public func request(
        _ path: String, method: String = "GET", headers: [String: String] = [:], url: String? = nil, credentials: RegistryCredentials? = nil
    ) async throws -> RegistryResponse {
        let id = UUID().uuidString.prefix(8)
        let (headerFile, bodyFile) = (scratch.file("curl-\(id).headers"), scratch.file("curl-\(id).body"))
        defer {
            unlink(headerFile)
            unlink(bodyFile)
        }
        var arguments = ["-sS", "--max-time", "30", "--cacert", caFile, "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"]
        arguments += method == "HEAD" ? ["--head"] : ["-X", method]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let credentials { arguments += ["--user", credentials.pair] }
        arguments.append(url ?? baseURL + path)
        let result = try await runCommand("curl", arguments)
        guard let status = Int(result.stdout), status > 0 else { throw TestFailure("curl \(url ?? path) failed: \(result)") }
        var parsed: [String: String] = [:]
        let text = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            parsed[name] = parsed[name].map { "\($0), \(value)" } ?? value
        }
        let body = method == "HEAD" ? [] : Array(FileManager.default.contents(atPath: bodyFile) ?? Data())
        return RegistryResponse(status: status, headers: parsed, body: body)
    }

    /// A bearer token for `actions` on `repository` from the token server (with ``credentials``, unless others are
    /// given), fetched as a client would after a `401`.
    public func token(repository: String, actions: [String] = ["pull"], credentials: RegistryCredentials? = nil) async throws -> String {
        guard let realm else { throw TestFailure("an anonymous registry has no token server") }
        let scope = "repository:\(repository):\(actions.joined(separator: ","))"
        let query = "service=\(Self.service)&scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope)"
        let response = try await request("", url: realm + "?" + query, credentials: credentials ?? self.credentials)
        struct Answer: Decodable { var token: String }
        guard response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)) else {
            throw TestFailure("token server answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return answer.token
    }
}
