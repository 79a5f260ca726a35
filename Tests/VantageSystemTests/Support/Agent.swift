import Foundation
import VantageTestSupport
import GRDB

/// An agent's enrolment facts: id, region, key file and base64 public key (from the real `vantage-agent keygen`).
struct AgentIdentity: Sendable {
    let id: String
    let region: String
    let keyPath: String
    let publicKey: String

    static func create(id: String, region: String, keyPath: String) async throws -> AgentIdentity {
        let keygen = try await runChecked(PackagePaths.executable("vantage-agent"), ["keygen", "--out", keyPath])
        guard let line = keygen.output.split(separator: "\n").first(where: { $0.hasPrefix("public_key: ") }) else {
            throw TestFailure("agent keygen printed no public key: \(keygen)")
        }
        return AgentIdentity(id: id, region: region, keyPath: keyPath, publicKey: String(line.dropFirst("public_key: ".count)))
    }
}

/// One watched Notary target in an agent's configuration.
struct NotaryTarget: Sendable {
    var id: String
    var url: String
    var gun: String

    /// The coordinator's `targets` line for it.
    var coordinatorLine: String { "\(id) notary \(url) \(gun)" }
}

/// The real `vantage-agent run` daemon: configuration with the keys exactly as `AgentConfigurationLoader` reads
/// them, start/stop, and read access to its spool database.
final class AgentProcess: @unchecked Sendable {
    let identity: AgentIdentity
    let directory: String
    let configPath: String
    let place: Place
    let coordinators: [String]
    private(set) var process: ChildProcess?
    private var runs = 0

    /// - Parameters:
    ///   - content: more targets as their configuration entries (`oci`, `file`), by id.
    ///   - proxy: the agent's `http.proxy` (every request of this agent goes through it).
    init(identity: AgentIdentity, directory: String, place: Place, coordinators: [String], targets: [NotaryTarget], caBundle: String,
         pollSeconds: Int = 1, batchSize: Int = 500, content: [String: [String: String]] = [:], proxy: String? = nil) throws
    {
        self.identity = identity
        self.directory = directory
        self.place = place
        self.coordinators = coordinators
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var targetObject: [String: Any] = [:]
        for target in targets { targetObject[target.id] = ["kind": "notary", "url": target.url, "gun": target.gun] }
        for (id, entry) in content { targetObject[id] = entry }
        var http: [String: Any] = ["ca_bundle": caBundle, "request_timeout_seconds": 3, "total_timeout_seconds": 10]
        if let proxy { http["proxy"] = proxy }
        let object: [String: Any] = [
            "agent": ["id": identity.id, "region": identity.region, "key": identity.keyPath],
            "coordinators": coordinators,
            "spool": ["dir": directory + "/spool", "batch_size": batchSize],
            "poll": ["interval_seconds": pollSeconds, "jitter_seconds": 0, "concurrency": 4],
            "http": http,
            "targets": targetObject,
            // The Notary servers and proxies of the testbed are on loopback or private addresses.
            "network": ["allow_private_addresses": true],
            "log": ["level": "info"],
        ]
        configPath = directory + "/agent.json"
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: configPath))
    }

    var id: String { identity.id }

    func start() throws {
        runs += 1
        process = try place.spawn(
            name: identity.id, PackagePaths.executable("vantage-agent"), ["run", "--config", configPath], logPath: directory + "/run-\(runs).log")
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// SIGTERM (the agent flushes its spool) and wait.
    func stop() async {
        await process?.terminate()
        process = nil
    }

    /// SIGKILL.
    func kill9() {
        process?.stop()
        process = nil
    }

    /// What the spool database holds now.
    func spool() throws -> SpoolSnapshot {
        let path = directory + "/spool/agent.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return SpoolSnapshot(sequence: 0, observations: [], pending: [:]) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let sequence = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sequence'") ?? 0
            let observations = try Row.fetchAll(db, sql: "SELECT id, sequence FROM observation ORDER BY sequence").map {
                SpoolSnapshot.Observation(id: $0["id"], sequence: $0["sequence"])
            }
            var pending: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT coordinator, observation_id FROM pending") {
                pending[row["coordinator"], default: []].insert(row["observation_id"])
            }
            return SpoolSnapshot(sequence: sequence, observations: observations, pending: pending)
        }
    }
}

/// A consistent read of an agent's spool: the sequence counter, the observations still kept, and per coordinator
/// the ids not yet acknowledged by it. An observation row is deleted only once every coordinator acknowledged it.
struct SpoolSnapshot: Sendable {
    struct Observation: Sendable, Hashable {
        var id: String
        var sequence: Int64
    }

    /// The highest sequence number the agent has assigned (observations are numbered 1, 2, …).
    var sequence: Int64
    var observations: [Observation]
    var pending: [String: Set<String>]

    /// Observations kept in the spool that `coordinator` has acknowledged.
    func acknowledged(by coordinator: String) -> [Observation] {
        let open = pending[coordinator] ?? []
        return observations.filter { !open.contains($0.id) }
    }

    func pendingCount(for coordinator: String) -> Int { pending[coordinator]?.count ?? 0 }
}
