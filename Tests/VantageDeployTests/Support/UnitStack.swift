import Crypto
import Foundation
import VantageTestSupport
import VantageTUF

/// HTTP GETs through curl (installed by .ci/run).
enum HTTP {
    struct Response {
        var status: Int
        var body: String
    }

    static func get(_ url: String) async -> Response {
        guard let result = try? await Shell.run("curl", ["-s", "--max-time", "5", "-w", "\n%{http_code}", url]) else {
            return Response(status: 0, body: "")
        }
        var lines = result.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return Response(status: status, body: lines.joined(separator: "\n"))
    }

    /// Polls `check` until it returns a value or `timeout` seconds pass.
    static func waitFor<T>(_ what: String, timeout: Double = 60, _ check: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestFailure("timed out waiting for \(what)")
    }
}

/// A TUF repository on loopback: `1.root.json` from ``RootDocumentBuilder``, served by Tests/Support/testserver.py.
final class LocalTUFServer: @unchecked Sendable {
    let process: ChildProcess
    let url: String
    let rootBytes: [UInt8]

    init() throws {
        let dir = try temporaryDirectory("tuf")
        rootBytes = try RootFixture(expires: Date().addingTimeInterval(86_400 * 365)).document()
        try Data(rootBytes).write(to: dir.appendingPathComponent("1.root.json"))

        process = try ChildProcess("python3", [PackagePaths.support("testserver.py"), "--dir", dir.path, "--quiet", "--watch-stdin"])
        guard let port = Int((try? process.firstLineBlocking()) ?? "") else {
            process.stop()
            throw TestFailure("testserver.py did not start")
        }
        url = "http://127.0.0.1:\(port)/files"
    }

    var rootDigest: String { SHA256.hash(data: rootBytes).map { String(format: "%02x", $0) }.joined() }

    func stop() { process.stop() }
}

/// A coordinator and agents, each a ``SimulatedHost`` started from the units in deploy/systemd, configured from
/// the example configurations, watching one TUF target on loopback.
final class UnitStack: @unchecked Sendable {
    static let targetID = "local-tuf"
    let tuf: LocalTUFServer
    let coordinatorHost: SimulatedHost
    let agentHosts: [SimulatedHost]
    var coordinator: RunningService?
    var agents: [RunningService] = []
    var port = 0

    static func unit(_ name: String) throws -> UnitFile { try UnitFile(path: PackagePaths.path("deploy/systemd/\(name).service")) }

    init(agents count: Int = 2) throws {
        tuf = try LocalTUFServer()
        let base = try temporaryDirectory("stack")
        coordinatorHost = try SimulatedHost(unit: Self.unit("vantage-coordinator"), root: base.appendingPathComponent("coordinator"))
        agentHosts = try (0..<count).map {
            try SimulatedHost(unit: Self.unit("vantage-agent"), root: base.appendingPathComponent("agent-\($0)"))
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Keys and configuration, as an operator would install them (keygen into /etc/credstore, JSON into
    /// ConfigurationDirectory), then the coordinator, then the agents.
    func start() async throws {
        var enrollments: [String] = []
        for (index, host) in agentHosts.enumerated() {
            let keygen = try await Shell.run(PackagePaths.executable("vantage-agent"), ["keygen", "--out", host.hostPath("/etc/credstore/vantage-agent.key")])
            guard keygen.status == 0, let key = keygen.stdout.split(separator: "\n").first(where: { $0.hasPrefix("public_key: ") })
            else { throw TestFailure("agent keygen: \(keygen.stderr)") }
            enrollments.append("deploy-agent-\(index) region-\(index) \(key.dropFirst("public_key: ".count))")
        }
        let keygen = try await Shell.run(
            PackagePaths.executable("vantage-coordinator"), ["keygen", "--out", coordinatorHost.hostPath("/etc/credstore/vantage-coordinator.key")])
        guard keygen.status == 0 else { throw TestFailure("coordinator keygen: \(keygen.stderr)") }
        try "deploy-test-admin-token-0123456789\n".write(
            toFile: coordinatorHost.hostPath("/etc/credstore/vantage-admin-token"), atomically: true, encoding: .utf8)

        try coordinatorHost.prepare()
        var config = try Repo.json("coordinator/coordinator.example.json")
        config["listen"] = ["host": "127.0.0.1", "port": 0]
        config["agents"] = enrollments
        config["targets"] = ["\(Self.targetID) tuf \(tuf.url)"]
        config["alerts"] = nil  // no traffic to the example's webhook hosts
        try JSON.write(config, to: coordinatorHost.configurationDirectory + "/coordinator.json")
        try await startCoordinator()

        for (index, host) in agentHosts.enumerated() {
            try host.prepare()
            var agent = try Repo.json("agents/agent.example.json")
            agent["agent"] = ["id": "deploy-agent-\(index)", "region": "region-\(index)", "key": "/nonexistent/overridden-by-unit"]
            agent["coordinators"] = [baseURL]
            agent["targets"] = [Self.targetID: ["kind": "tuf", "url": tuf.url]]
            agent["poll"] = ["interval_seconds": 5, "jitter_seconds": 0, "concurrency": 2]
            agent["metrics"] = ["listen": "127.0.0.1:0"]
            agent["network"] = ["allow_private_addresses": true]  // the TUF server is on loopback
            try JSON.write(agent, to: host.configurationDirectory + "/agent.json")
            agents.append(try host.start())
        }
    }

    /// Starts (or restarts) the coordinator and waits for `/readyz`.
    func startCoordinator() async throws {
        let service = try coordinatorHost.start()
        coordinator = service
        port = try await HTTP.waitFor("the coordinator's listening port", timeout: 30) {
            guard service.process.isRunning else { throw TestFailure("coordinator exited:\n\(service.log)") }
            let pattern = try NSRegularExpression(pattern: #""listen\.port":"?(\d+)"#)
            let log = service.log
            guard let match = pattern.firstMatch(in: log, range: NSRange(log.startIndex..., in: log)) else { return nil }
            return Int(log[Range(match.range(at: 1), in: log)!])
        }
        _ = try await HTTP.waitFor("/readyz", timeout: 30) { await HTTP.get(baseURL + "/readyz").status == 200 ? true : nil }
    }

    /// The published pin list once it pins the target.
    func waitForPinList(timeout: Double = 90) async throws -> [String: Any] {
        try await HTTP.waitFor("a pin list pinning \(Self.targetID)", timeout: timeout) {
            let response = await HTTP.get(baseURL + "/v1/pins")
            guard response.status == 200, response.body.contains(Self.targetID) else { return nil }
            return try JSON.object(response.body)
        }
    }

    /// Stops everything; returns the exit statuses (nil = had to be killed) of the coordinator and agents.
    @discardableResult
    func stop() async -> (coordinator: Int32?, agents: [Int32?]) {
        var agentStatuses: [Int32?] = []
        for agent in agents { agentStatuses.append(await agent.stop()) }
        let coordinatorStatus = await coordinator?.stop()
        tuf.stop()
        return (coordinatorStatus, agentStatuses)
    }
}
