import Foundation
import VantageTestSupport
import GRDB
import VantageCore

/// Settings written into the coordinator's JSON configuration, with the keys exactly as
/// `CoordinatorConfiguration.init(reader:)` reads them. Defaults are short for tests.
struct CoordinatorSettings: Sendable {
    var listenHost = "127.0.0.1"
    var port: Int
    var quorum = 2
    var minRegions = 2
    var maxAgeSeconds = 60
    var maxDissent = 0
    var minDuration = (first: 0, resigned: 0, rotated: 0, replaced: 3600)
    var unchained = "approve"
    var intervalSeconds = 1
    var debounceMilliseconds = 50
    var pinListLifetimeSeconds = 600
    var webhookURL: String?
    var alertTimeoutSeconds = 3
    var maxBackoffSeconds = 2
    var adminToken = "system-tests-admin-token-0123456789"

    func json(stateDirectory: String, agents: [AgentIdentity], targets: [String]) throws -> String {
        var alerts: [String: Any] = ["timeout_seconds": alertTimeoutSeconds, "max_backoff_seconds": maxBackoffSeconds]
        if let webhookURL { alerts["webhook"] = ["url": webhookURL, "secret": WebhookReceiver.secret] }
        let object: [String: Any] = [
            "listen": ["host": listenHost, "port": port],
            "state_dir": stateDirectory,
            "admin": ["tokens": [adminToken]],
            "agents": agents.map { "\($0.id) \($0.region) \($0.publicKey)" },
            "targets": targets,
            "consensus": [
                "quorum": quorum, "min_regions": minRegions, "max_age_seconds": maxAgeSeconds, "max_dissent": maxDissent,
                "min_duration": ["first": minDuration.first, "resigned": minDuration.resigned, "rotated": minDuration.rotated,
                                 "replaced": minDuration.replaced],
                "unchained": unchained, "interval_seconds": intervalSeconds, "debounce_ms": debounceMilliseconds,
            ],
            "pin_list": ["lifetime_seconds": pinListLifetimeSeconds],
            "database": ["synchronous": "full"],
            "alerts": alerts,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }
}

/// The real `vantage-coordinator serve` binary as a child process that tests start, SIGKILL and restart on the
/// same state directory (SQLite database and key).
final class CoordinatorProcess: @unchecked Sendable {
    let directory: String
    let configPath: String
    let place: Place
    let settings: CoordinatorSettings
    /// Base64 Ed25519 public key, as `vantage-coordinator keygen` printed it.
    let publicKey: String
    /// How the test reaches the API (see ``CoordinatorAPI``).
    let api: CoordinatorAPI
    private(set) var process: ChildProcess?
    private(set) var runs = 0

    /// Creates the key with the real `keygen` and writes the configuration.
    init(directory: String, place: Place, settings: CoordinatorSettings, agents: [AgentIdentity], targets: [String], api: CoordinatorAPI)
        async throws
    {
        self.directory = directory
        self.place = place
        self.settings = settings
        self.api = api
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keygen = try await runChecked(PackagePaths.executable("vantage-coordinator"), ["keygen", "--out", directory + "/coordinator.key"])
        guard let line = keygen.output.split(separator: "\n").first(where: { $0.hasPrefix("public_key: ") }) else {
            throw TestFailure("keygen printed no public key: \(keygen)")
        }
        publicKey = String(line.dropFirst("public_key: ".count))
        configPath = directory + "/coordinator.json"
        try Data(try settings.json(stateDirectory: directory, agents: agents, targets: targets).utf8)
            .write(to: URL(fileURLWithPath: configPath))
    }

    var databasePath: String { directory + "/coordinator.sqlite" }

    /// Starts the coordinator (a new log file per run) and waits until `/readyz` answers 200.
    func start() async throws {
        runs += 1
        let child = try place.spawn(
            name: "coordinator", PackagePaths.executable("vantage-coordinator"), ["serve", "--config", configPath, "--log-level", "info"],
            logPath: directory + "/run-\(runs).log")
        process = child
        do {
            try await waitUntil("coordinator ready (run \(runs))", seconds: 30) {
                guard child.isRunning else { throw TestFailure("coordinator exited: \(child.logTail())") }
                return (try? await api.get("/readyz").status) == 200
            }
        } catch {
            child.stop()
            throw error
        }
    }

    /// SIGKILL (a crash: no graceful shutdown).
    func crash() {
        process?.stop()
        process = nil
    }

    /// SIGTERM and wait (graceful shutdown).
    func stop() async {
        await process?.terminate()
        process = nil
    }

    /// A read-only connection to the coordinator's SQLite database (WAL: safe while the coordinator runs).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read(body)
    }

    /// Ids of every observation the coordinator stored (an id is the SHA-256 of the agent's signed bytes).
    func storedObservationIDs() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT lower(hex(id)) FROM observations_seen")) }
    }
}
