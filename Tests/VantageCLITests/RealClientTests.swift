import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import VantageAgent
import VantageClient
import VantageCoordinator
import VantageCore

/// The point of the whole system: after `vantage pins install`, real TUF clients trust the consensus root and
/// refuse an impostor. Real notary-server and notary client (Debian's `notary`), real python-tuf, a real
/// coordinator (SQLite file, HTTP) and three agents fetching over TLS, all on 127.0.0.1.
@Suite("Real clients after vantage pins install", .serialized)
struct RealClientTests {
    static let gun = "example.test/app"
    static let tufTarget = "example-tuf"

    @Test("notary list accepts the installed root from the genuine server and refuses the impostor; python-tuf likewise")
    func realClients() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var background: [Process] = []
        let notary = CLI.packageRoot.appendingPathComponent("scripts/testbed/notary.sh").path
        let tufRepo = CLI.packageRoot.appendingPathComponent("Tests/Support/tuf_repo.py").path
        let genuineDir = work.appendingPathComponent("genuine").path, impostorDir = work.appendingPathComponent("impostor").path
        defer {
            for process in background where process.isRunning { process.terminate() }
            _ = try? CLI.exec("/bin/bash", [notary, "down", genuineDir])
            _ = try? CLI.exec("/bin/bash", [notary, "down", impostorDir])
            try? FileManager.default.removeItem(at: work)
        }

        // Two real Notary servers sharing one CA, each with its own root for the same GUN. A port picked free can
        // be taken by a concurrent test before the server binds it, so `up` is retried on another port.
        var notaryPorts: [Int] = []
        for (dir, env) in [(genuineDir, [String: String]()), (impostorDir, ["NOTARY_CA_DIR": genuineDir + "/ca"])] {
            var started: Int?
            var last = ""
            for _ in 0..<5 where started == nil {
                let port = try freePort()
                let up = try CLI.exec("/bin/bash", [notary, "up", dir, "\(port)"], environment: env)
                if up.status == 0 { started = port } else { last = up.stderr }
            }
            let port = try #require(started, "notary-server did not start: \(last)")
            let published = try CLI.exec("/bin/bash", [notary, "publish", dir, "https://127.0.0.1:\(port)", Self.gun], environment: env)
            try #require(published.status == 0, "publish failed: \(published.stdout) \(published.stderr)")
            notaryPorts.append(port)
        }
        let (p1, p2) = (notaryPorts[0], notaryPorts[1])
        let (m1, m2) = (try freePort(), try freePort())
        let ca = genuineDir + "/ca/ca.crt"

        // Two real TUF repositories made by python-tuf, served over HTTP.
        for (name, port) in [("tuf-genuine", m1), ("tuf-impostor", m2)] {
            let made = try CLI.exec("/usr/bin/env", ["python3", tufRepo, "make", work.appendingPathComponent(name).path])
            try #require(made.status == 0, "tuf_repo.py make: \(made.stdout) \(made.stderr)")
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", work.appendingPathComponent(name).path]
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            background.append(server)
        }
        try await waitForHTTP("http://127.0.0.1:\(m1)/1.root.json")
        try await waitForHTTP("http://127.0.0.1:\(m2)/1.root.json")

        let targets = [
            TargetSpec(id: Self.gun, kind: .notary, url: "https://127.0.0.1:\(p1)", gun: Self.gun),
            TargetSpec(id: Self.tufTarget, kind: .tuf, url: "http://127.0.0.1:\(m1)"),
        ]
        let policyPath = try await observeAndExportPolicy(work: work, targets: targets, caBundle: ca)

        // Notary: install, then the real client against the genuine server and against the impostor.
        let trust = work.appendingPathComponent("ci/.docker/trust").path
        let state = work.appendingPathComponent("ci/state.json").path
        let install = try CLI.run(["pins", "install", Self.gun, "--policy", policyPath, "--pins", work.appendingPathComponent("pins.json").path,
                                   "--blob-dir", work.appendingPathComponent("blobs").path, "--trust-dir", trust, "--state", state,
                                   "--server", "https://127.0.0.1:\(p1)"])
        #expect(install.status == 0, "\(install.stdout) \(install.stderr)")
        let genuineList = try CLI.exec("/bin/bash", [notary, "list", "https://127.0.0.1:\(p1)", Self.gun, trust, ca])
        #expect(genuineList.status == 0, "notary list against the genuine server: \(genuineList.stdout) \(genuineList.stderr)")
        let impostorList = try CLI.exec("/bin/bash", [notary, "list", "https://127.0.0.1:\(p2)", Self.gun, trust, ca])
        #expect(impostorList.status == 1)
        #expect(impostorList.stdout.contains("could not rotate trust to a new trusted root"), "\(impostorList.stdout)")

        // TUF: install the trusted root, then python-tuf's Updater against both mirrors.
        let tufRoot = work.appendingPathComponent("ci/sigstore-root.json").path
        let tufInstall = try CLI.run(["pins", "install", Self.tufTarget, "--policy", policyPath, "--pins",
                                      work.appendingPathComponent("pins.json").path, "--blob-dir", work.appendingPathComponent("blobs").path,
                                      "--tuf-root", tufRoot, "--state", state, "--server", "http://127.0.0.1:\(m1)"])
        #expect(tufInstall.status == 0, "\(tufInstall.stdout) \(tufInstall.stderr)")
        let refreshed = try CLI.exec("/usr/bin/env", ["python3", tufRepo, "refresh", tufRoot, "http://127.0.0.1:\(m1)/"])
        #expect(refreshed.status == 0, "python-tuf against the genuine mirror: \(refreshed.stdout)")
        let refused = try CLI.exec("/usr/bin/env", ["python3", tufRepo, "refresh", tufRoot, "http://127.0.0.1:\(m2)/"])
        #expect(refused.status == 1, "python-tuf against the impostor: \(refused.stdout)")
        #expect(refused.stdout.contains("refused"))
    }

    /// Runs a coordinator and three agents in process until both targets are pinned; writes the trust policy, the
    /// published pin list (`pins.json`) and the pinned blobs (`blobs/`) for the CLI, and returns the policy path.
    func observeAndExportPolicy(work: URL, targets: [TargetSpec], caBundle: String) async throws -> String {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let state = work.appendingPathComponent("coordinator").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try Data(SigningIdentity().fileContents.utf8).write(to: URL(fileURLWithPath: state + "/coordinator.key"))
        var configuration = CoordinatorConfiguration()
        configuration.listenPort = 0
        configuration.stateDirectory = state
        configuration.targets = targets
        configuration.consensus = ConsensusPolicy(quorum: 2, minRegions: 2, minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0))
        var agentConfigurations: [AgentConfiguration] = []
        for (id, region) in [("agent-eu", "eu"), ("agent-us", "us"), ("agent-ap", "ap")] {
            let identity = SigningIdentity()
            let keyPath = work.appendingPathComponent("\(id).key").path
            FileManager.default.createFile(atPath: keyPath, contents: Data(identity.fileContents.utf8), attributes: [.posixPermissions: 0o600])
            configuration.agents.append(AgentEnrollment(id: id, region: region, publicKey: identity.publicKey))
            agentConfigurations.append(AgentConfiguration(
                agentID: id, region: region, keyPath: keyPath, coordinators: [], spoolDirectory: work.appendingPathComponent("\(id)-spool").path,
                caBundlePath: caBundle, targets: targets.map { AgentConfiguration.Target(spec: $0) },
                network: .init(allowPrivateAddresses: true)))  // the test servers are on loopback
        }
        let port = PortBox()
        let coordinator = try await buildCoordinator(
            configuration: configuration, dependencies: .init(logger: quiet, onServerRunning: { await port.set($0) }))
        let group = ServiceGroup(services: [coordinator.application], gracefulShutdownSignals: [], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { Task { await group.triggerGracefulShutdown() } }
            let url = "http://127.0.0.1:\(await port.get())"
            for var agentConfiguration in agentConfigurations {
                agentConfiguration.coordinators = [url]
                let agent = try await AgentRuntime(configuration: agentConfiguration, logger: quiet, registry: nil)
                let delivered = await agent.service.runOnce()
                await agent.shutdown()
                #expect(delivered)
            }
            _ = try await coordinator.consensus.evaluateNow()
            let http = try HTTPClientFactory.make()
            let client = CoordinatorClient(baseURL: url, http: http)
            let policyPath = work.appendingPathComponent("policy.json").path
            do {
                for target in targets {
                    let status = try await client.target(target.id)
                    #expect(status.pinned != nil, "\(target.id) is \(status.status): \(status.reasons)")
                }
                try Data(try Canonical.encode(try await client.policy())).write(to: URL(fileURLWithPath: policyPath))
                let pins = try #require(try await client.pins())
                try Data(try Canonical.encode(pins.list)).write(to: work.appendingPathComponent("pins.json"))
                let blobs = work.appendingPathComponent("blobs")
                try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
                for pin in pins.list.pins {
                    try Data(try await client.blob(sha256: pin.sha256)).write(to: blobs.appendingPathComponent(pin.sha256))
                }
            } catch {
                try? await http.shutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
            try await http.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return policyPath
        }
    }
}

actor PortBox {
    var port: Int?
    var waiters: [CheckedContinuation<Int, Never>] = []
    func set(_ value: Int) {
        port = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }
    func get() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

/// A port that was free a moment ago (the kernel picks it).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls `url` until it answers 200 (at most 10 s).
func waitForHTTP(_ url: String) async throws {
    for _ in 0..<100 {
        if let result = try? CLI.exec("/usr/bin/curl", ["-sf", "-o", "/dev/null", url]), result.status == 0 { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw CancellationError()
}
