import AsyncHTTPClient
import Foundation
import VantageTestSupport
import Hummingbird
import Logging
import Testing
import VantageAgent
import VantageClient
import VantageCoordinator
import VantageCore

/// The point of the whole system: after `vantage-pins install --for CLIENT`, the command it prints — run literally —
/// makes the real client trust the consensus root and refuse an impostor. Real notary-server and notary client
/// (Debian's `notary`), the docker CLI, python-tuf's `Updater` and sigstore-python from PyPI against a Sigstore-style
/// TUF repository over HTTPS; a real coordinator (SQLite file, HTTP) and three agents, all on 127.0.0.1; the pins
/// reach the CI host as an offline bundle made by `vantage-pins bundle`.
@Suite("Real clients run what vantage-pins install prints", .serialized)
struct RealClientTests {
    static let gun = "example.test/app"
    static let tufTarget = "sigstore-local"

    @Test("notary, docker, python-tuf and sigstore accept the genuine repository and refuse the impostor; sigstore follows a rotation; cosign gets the same file")
    func realClients() async throws {
        let scratch = try Scratch("vantage-real")
        let work = scratch.url
        var servers: [BackgroundServer] = []
        let notary = PackagePaths.notaryScript
        let sigstoreRepo = PackagePaths.support("sigstore_repo.py")
        let genuineDir = work.appendingPathComponent("genuine").path, impostorDir = work.appendingPathComponent("impostor").path
        defer {
            for server in servers { server.stop() }
            _ = try? CLI.execBlocking("/bin/bash", [notary, "down", genuineDir])
            _ = try? CLI.execBlocking("/bin/bash", [notary, "down", impostorDir])
            scratch.remove()
        }

        // Two real Notary servers sharing one CA, each with its own root for the same GUN. A port picked free can
        // be taken by a concurrent test before the server binds it, so `up` is retried on another port.
        var notaryPorts: [Int] = []
        for (dir, env) in [(genuineDir, [String: String]()), (impostorDir, ["NOTARY_CA_DIR": genuineDir + "/ca"])] {
            var started: Int?
            var last = ""
            for _ in 0..<5 where started == nil {
                let port = try freePort()
                let up = try await CLI.exec("/bin/bash", [notary, "up", dir, "\(port)"], environment: env)
                if up.status == 0 { started = port } else { last = up.stderr }
            }
            let port = try #require(started, "notary-server did not start: \(last)")
            let published = try await CLI.exec("/bin/bash", [notary, "publish", dir, "https://127.0.0.1:\(port)", Self.gun], environment: env)
            try #require(published.status == 0, "publish failed: \(published.stdout) \(published.stderr)")
            notaryPorts.append(port)
        }
        let genuineNotary = "https://127.0.0.1:\(notaryPorts[0])", impostorNotary = "https://127.0.0.1:\(notaryPorts[1])"
        let ca = genuineDir + "/ca/ca.crt"

        // Two Sigstore-style TUF repositories made with python-tuf, served over HTTPS with the same CA.
        var tufURLs: [String] = []
        for name in ["tuf-genuine", "tuf-impostor"] {
            let made = try await CLI.exec("/usr/bin/env", ["python3", sigstoreRepo, "make", work.appendingPathComponent(name).path])
            try #require(made.status == 0, "sigstore_repo.py make: \(made.stdout) \(made.stderr)")
            let server = try await BackgroundServer(["/usr/bin/python3", sigstoreRepo, "serve", work.appendingPathComponent(name).path,
                                               "--cert", genuineDir + "/tls/server.crt", "--key", genuineDir + "/tls/server.key", "--watch-stdin"])
            servers.append(server)
            tufURLs.append("https://127.0.0.1:\(server.port)")
        }
        let (genuineTUF, impostorTUF) = (tufURLs[0], tufURLs[1])

        let targets = [
            TargetSpec(id: Self.gun, kind: .notary, url: genuineNotary, gun: Self.gun),
            TargetSpec(id: Self.tufTarget, kind: .tuf, url: genuineTUF),
        ]
        // The CI host: its own HOME (notary, docker, python-tuf and sigstore all follow it) and the test CA.
        let home = work.appendingPathComponent("ci-home").path
        try FileManager.default.createDirectory(atPath: home + "/.notary", withIntermediateDirectories: true)
        try Data(#"{"remote_server":{"root_ca":"\#(ca)"}}"#.utf8).write(to: URL(fileURLWithPath: home + "/.notary/config.json"))
        let dockerConfig = home + "/.docker"
        for port in notaryPorts {
            try FileManager.default.createDirectory(atPath: "\(dockerConfig)/tls/127.0.0.1:\(port)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: ca, toPath: "\(dockerConfig)/tls/127.0.0.1:\(port)/ca.crt")
        }
        let ci = ["HOME": home, "SSL_CERT_FILE": ca, "XDG_DATA_HOME": "", "XDG_CACHE_HOME": "", "XDG_STATE_HOME": "", "DOCKER_CONFIG": "",
                  "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"]
        let policy = work.appendingPathComponent("policy.json").path
        let bundle = work.appendingPathComponent("bundle").path

        try await LiveSystem.with(work: work, targets: targets, caBundle: ca) { system in
            try await system.round()
            try await system.exportPolicy(to: policy)
            let made = try await CLI.run(["bundle", Self.gun, Self.tufTarget, "--out", bundle, "--policy", policy,
                                                  "--coordinator", system.url], tool: "vantage-pins")
            try #require(made.status == 0, "vantage-pins bundle: \(made.stdout) \(made.stderr)")

            /// `vantage-pins install` from the bundle; returns the printed `use:` command.
            func install(_ target: String, _ arguments: [String]) async throws -> String {
                let result = try await CLI.run(["install", target, "--bundle", bundle, "--policy", policy] + arguments, tool: "vantage-pins",
                                         environment: ci)
                try #require(result.status == 0, "install \(arguments): \(result.stdout) \(result.stderr)")
                let use = result.stdout.split(separator: "\n").first { $0.hasPrefix("use: ") }.map { String($0.dropFirst(5)) }
                return try #require(use, "no use: line in \(result.stdout)")
            }
            /// The printed command as a user pastes it, optionally pointed at the impostor.
            func run(_ command: String, _ environment: [String: String] = [:]) async throws -> CLI.Result {
                try await CLI.exec("/bin/bash", ["-c", command], environment: ci.merging(environment) { $1 })
            }

            // notary: the default trust dir under $HOME, the CA from ~/.notary/config.json.
            let notaryUse = try await install(Self.gun, ["--for", "notary", "--server", genuineNotary])
            #expect(notaryUse == "notary -s \(genuineNotary) -d \(home)/.notary list \(Self.gun)")
            let notaryOK = try await run(notaryUse)
            #expect(notaryOK.status == 0, "notary against the genuine server: \(notaryOK.stdout) \(notaryOK.stderr)")
            let notaryImpostor = try await run(notaryUse.replacingOccurrences(of: genuineNotary, with: impostorNotary))
            #expect(notaryImpostor.status == 1)
            #expect(notaryImpostor.stdout.contains("could not rotate trust to a new trusted root"), "\(notaryImpostor.stdout)")

            // docker: ${DOCKER_CONFIG:-~/.docker}/trust, through the docker CLI's own Notary client.
            let dockerUse = try await install(Self.gun, ["--for", "docker", "--server", genuineNotary])
            #expect(dockerUse.hasPrefix("DOCKER_CONTENT_TRUST=1 DOCKER_CONTENT_TRUST_SERVER=\(genuineNotary) docker trust inspect"), "\(dockerUse)")
            #expect(FileManager.default.fileExists(atPath: "\(dockerConfig)/trust/tuf/\(Self.gun)/metadata/root.json"))
            let dockerOK = try await run(dockerUse)
            #expect(dockerOK.status == 0, "docker trust inspect against the genuine server: \(dockerOK.stdout) \(dockerOK.stderr)")
            let dockerImpostor = try await run(dockerUse.replacingOccurrences(of: genuineNotary, with: impostorNotary))
            #expect(dockerImpostor.status != 0, "docker against the impostor: \(dockerImpostor.stdout) \(dockerImpostor.stderr)")

            // python-tuf: the Updater's metadata dir.
            let tufUse = try await install(Self.tufTarget, ["--for", "python-tuf", "--out", home + "/tuf-metadata", "--server", genuineTUF])
            let tufOK = try await run(tufUse)
            #expect(tufOK.status == 0, "python-tuf against the genuine repository: \(tufOK.stdout) \(tufOK.stderr)")
            let tufImpostor = try await run(tufUse.replacingOccurrences(of: genuineTUF, with: impostorTUF))
            #expect(tufImpostor.status == 1)
            #expect(tufImpostor.stderr.contains("UnsignedMetadataError"), "\(tufImpostor.stderr)")

            // sigstore-python: trust-instance with the installed root; the impostor is refused for its signatures
            // (`-v` after the subcommand shows why), from a fresh HOME as a CI host has.
            let sigstoreUse = try await install(Self.tufTarget, ["--for", "sigstore", "--server", genuineTUF])
            #expect(sigstoreUse.hasPrefix("sigstore --instance \(genuineTUF) trust-instance \(home)/.local/share/vantage/roots/"), "\(sigstoreUse)")
            let sigstoreOK = try await run(sigstoreUse)
            #expect(sigstoreOK.status == 0, "sigstore against the genuine repository: \(sigstoreOK.stdout) \(sigstoreOK.stderr)")
            let otherHome = work.appendingPathComponent("ci-home-2").path
            let sigstoreImpostor = try await run(
                sigstoreUse.replacingOccurrences(of: genuineTUF, with: impostorTUF).replacingOccurrences(of: "trust-instance", with: "trust-instance -v"),
                ["HOME": otherHome])
            #expect(sigstoreImpostor.status == 1)
            #expect(sigstoreImpostor.stderr.contains("UnsignedMetadataError"), "\(sigstoreImpostor.stderr)")

            // cosign has no Debian package here: the file and the flags of `cosign initialize` (--mirror, --root) are
            // what can be checked — the same pinned bytes sigstore-python just accepted.
            let cosignRoot = home + "/cosign/root.json"
            let cosignUse = try await install(Self.tufTarget, ["--for", "cosign", "--out", cosignRoot, "--server", genuineTUF])
            #expect(cosignUse == "cosign initialize --mirror \(genuineTUF) --root \(cosignRoot)")
            let sigstoreRoot = String(sigstoreUse.split(separator: " ").last ?? "")
            #expect(FileManager.default.contents(atPath: cosignRoot) == FileManager.default.contents(atPath: sigstoreRoot))
            #expect(FileManager.default.contents(atPath: cosignRoot) != nil)

            // A chained rotation of the Sigstore repository: the agents see it, the pin follows, the installer
            // updates the root file (a verified rotation) and sigstore follows the chain to v2.
            let rotated = try await CLI.exec("/usr/bin/env", ["python3", sigstoreRepo, "rotate", work.appendingPathComponent("tuf-genuine").path])
            try #require(rotated.status == 0, "rotate: \(rotated.stderr)")
            try await system.round()
            try FileManager.default.removeItem(atPath: bundle)
            let remade = try await CLI.run(["bundle", Self.tufTarget, "--out", bundle, "--policy", policy, "--coordinator", system.url],
                                                   tool: "vantage-pins")
            try #require(remade.status == 0, "vantage-pins bundle after the rotation: \(remade.stdout) \(remade.stderr)")
            let update = try await CLI.run(["install", Self.tufTarget, "--bundle", bundle, "--policy", policy, "--for", "sigstore", "--server", genuineTUF,
                                      "--format", "json"], tool: "vantage-pins", environment: ci)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains(#""action" : "updated""#), "\(update.stdout)")
            let followed = try await run(sigstoreUse)
            #expect(followed.status == 0, "sigstore after the rotation: \(followed.stderr)")
            let quoted = genuineTUF.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
            #expect(FileManager.default.fileExists(atPath: "\(home)/.local/share/sigstore-python/tuf/\(quoted)/root_history/2.root.json"))
        }
    }
}

/// A coordinator (SQLite file, HTTP on loopback) and three agents in two or more regions, in process; agents poll
/// when the test says so.
struct LiveSystem {
    let url: String
    let agents: [AgentConfiguration]
    let coordinator: Coordinator
    let logger: Logger

    /// Starts the coordinator, runs `body`, stops it (on failure too).
    static func with<T: Sendable>(
        work: URL, targets: [TargetSpec], caBundle: String, _ body: (LiveSystem) async throws -> T
    ) async throws -> T {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = try LoopbackCoordinator.configuration(state: work.appendingPathComponent("coordinator").path)
        configuration.targets = targets
        var agents: [AgentConfiguration] = []
        for (id, region) in [("agent-eu", "eu"), ("agent-us", "us"), ("agent-ap", "ap")] {
            let identity = SigningIdentity()
            let keyPath = work.appendingPathComponent("\(id).key").path
            FileManager.default.createFile(atPath: keyPath, contents: Data(identity.fileContents.utf8), attributes: [.posixPermissions: 0o600])
            configuration.agents.append(AgentEnrollment(id: id, region: region, publicKey: identity.publicKey))
            agents.append(AgentConfiguration(
                agentID: id, region: region, keyPath: keyPath, coordinators: [], spoolDirectory: work.appendingPathComponent("\(id)-spool").path,
                caBundlePath: caBundle, targets: targets.map { AgentConfiguration.Target(spec: $0) },
                network: .init(allowPrivateAddresses: true)))  // the test servers are on loopback
        }
        return try await LoopbackCoordinator.run(configuration) { url, coordinator in
            try await body(LiveSystem(url: url, agents: agents.map { var a = $0; a.coordinators = [url]; return a }, coordinator: coordinator, logger: quiet))
        }
    }

    /// Every agent polls once and delivers; the coordinator decides. Every target must end up pinned.
    func round() async throws {
        for configuration in agents {
            let agent = try await AgentRuntime(configuration: configuration, logger: logger, registry: nil)
            let round = await agent.service.runOnce()
            await agent.shutdown()
            #expect(round.exitCode == 0, "\(round.text)")
        }
        _ = try await coordinator.consensus.evaluateNow()
        let http = try HTTPClientFactory.make()
        defer { Task { try? await http.shutdown() } }
        for target in try await CoordinatorClient(baseURL: url, http: http).targets() {
            #expect(target.pinned != nil, "\(target.spec.id) is \(target.status): \(target.reasons)")
        }
    }

    func exportPolicy(to path: String) async throws {
        let http = try HTTPClientFactory.make()
        defer { Task { try? await http.shutdown() } }
        try Data(try Canonical.encode(try await CoordinatorClient(baseURL: url, http: http).policy())).write(to: URL(fileURLWithPath: path))
    }
}
