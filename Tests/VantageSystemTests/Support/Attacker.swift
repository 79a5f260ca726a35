import Foundation
import Testing
import VantageCore
import VantageTUF
import VantageTestSupport

// Helpers of AttackTests: a CI host running the real `vantage pins install`, byte snapshots of its trust dir and
// state file, a coordinator-key holder forging pin lists in-process, a relaying proxy without keys, and a
// coordinator + agents system with any number of agents, regions and Notary servers.

/// Every file and folder under `path`, by relative path, with the bytes of each file (folders map to `nil`): two
/// snapshots are equal only when nothing was created, removed or rewritten with other bytes.
func treeSnapshot(_ path: String) -> [String: [UInt8]?] {
    var result: [String: [UInt8]?] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return result }
    while let relative = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory)
        result[relative] = isDirectory.boolValue ? .some(nil) : .some(FileManager.default.contents(atPath: path + "/" + relative).map(Array.init))
    }
    return result
}

/// What a CI host's refusal must leave untouched: its Notary trust dir and its `--state` file, byte for byte.
struct ClientSnapshot: Equatable {
    var trust: [String: [UInt8]?]
    var state: [UInt8]?
}

/// A CI host: its own trust policy (distributed out of band), state file and Notary trust dir, running the real
/// `vantage pins install` as documented.
struct CIHost: Sendable {
    let directory: String
    var policy: String { directory + "/trust-policy.json" }
    var state: String { directory + "/pin-state.json" }
    var trustDir: String { directory + "/trust" }

    init(_ scratch: Scratch, _ name: String = "ci") throws {
        directory = try scratch.directory(name)
        try FileManager.default.createDirectory(atPath: directory + "/trust", withIntermediateDirectories: true)
    }

    /// `vantage policy export` from the genuine coordinator, before any attack, without the coordinator's URL: each
    /// attack gives the CI host one source, the attacker's, so a refused list cannot fall through to the genuine one.
    func exportPolicy(coordinator: String) async throws {
        let export = try await run(PackagePaths.executable("vantage"), ["policy", "export", "--coordinator", coordinator, "--out", policy])
        guard export.status == 0 else { throw TestFailure("policy export: \(export)") }
        var exported = try loadPolicy()
        for index in exported.coordinators.indices { exported.coordinators[index].url = nil }
        try savePolicy(exported)
    }

    func loadPolicy() throws -> TrustPolicy {
        try Canonical.decode(TrustPolicy.self, from: Array(FileManager.default.contents(atPath: policy) ?? Data()))
    }

    /// Rewrites the policy file (the CI host's own choices, e.g. a second coordinator key it trusts).
    func savePolicy(_ value: TrustPolicy) throws {
        try Data(try Canonical.encode(value, pretty: true)).write(to: URL(fileURLWithPath: policy))
    }

    /// `vantage pins install TARGET --policy … --state … --trust-dir … --server … --format json` plus `extra`
    /// (`--coordinator URL`, or `--pins FILE --blob-dir DIR`, `--at TIME`, …).
    func install(_ target: String, server: String, trustDir: String? = nil, _ extra: [String]) async throws -> CommandResult {
        try await run(PackagePaths.executable("vantage"), [
            "pins", "install", "--for", "notary", target, "--policy", policy, "--state", state, "--trust-dir", trustDir ?? self.trustDir,
            "--server", server, "--format", "json",
        ] + extra)
    }

    func snapshot(trustDir: String? = nil) -> ClientSnapshot {
        ClientSnapshot(trust: treeSnapshot(trustDir ?? self.trustDir), state: FileManager.default.contents(atPath: state).map(Array.init))
    }

    /// The root file `pins install` writes for `gun` in `trustDir`.
    func rootFile(_ gun: String, trustDir: String? = nil) -> String { "\(trustDir ?? self.trustDir)/tuf/\(gun)/metadata/root.json" }

    func installedRoot(_ gun: String, trustDir: String? = nil) -> [UInt8]? {
        FileManager.default.contents(atPath: rootFile(gun, trustDir: trustDir)).map(Array.init)
    }

    /// The last accepted version per coordinator id, from the state file.
    func accepted() throws -> [String: PinListVerifier.Accepted] {
        guard let data = FileManager.default.contents(atPath: state) else { return [:] }
        return try JSONDecoder().decode([String: PinListVerifier.Accepted].self, from: data)
    }

    /// A new empty trust dir next to the main one (so a refused install cannot hide behind an identical file).
    func freshTrustDir(_ name: String) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The `actions` JSON `pins install --format json` prints on success.
struct InstallAction: Decodable {
    var target: String
    var action: String
    var path: String
    var sha256: String
}

func installActions(_ result: CommandResult) -> [InstallAction] {
    (try? JSONDecoder().decode([InstallAction].self, from: Data(result.stdout.utf8))) ?? []
}

/// Asserts that `result` is a verification refusal for `rule` (exit 12, `verification failed: RULE:` on stderr)
/// and that the client's trust dir and state file are byte for byte what they were before.
func expectRefusal(
    _ result: CommandResult, rule: String, before: ClientSnapshot, after: ClientSnapshot, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == 12, "\(what): expected exit 12, got \(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("verification failed: \(rule):"), "\(what): expected rule \(rule): \(result)", sourceLocation: sourceLocation)
    #expect(installActions(result).isEmpty, "\(what): something was installed: \(result.stdout)", sourceLocation: sourceLocation)
    #expect(after.trust == before.trust, "\(what): the refusal touched the trust dir", sourceLocation: sourceLocation)
    func text(_ bytes: [UInt8]?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "(no state file)" }
    #expect(text(after.state) == text(before.state), "\(what): the refusal changed the state file", sourceLocation: sourceLocation)
    print("refusal check (\(what)): exit \(result.status): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
}

/// The holder of the coordinator's key file, forging lists with the real VantageCore code.
struct Forger {
    let key: SigningIdentity

    init(keyFile: String) throws {
        key = try SigningIdentity(fileContents: try String(contentsOfFile: keyFile, encoding: .utf8))
    }

    /// A list of `pins` signed with the coordinator's key, under whatever header the forger wants.
    func list(
        pins: [Pin], version: Int64, issuedAt: Timestamp, expires: Timestamp, previous: String, policy: ConsensusPolicy,
        coordinator: String? = nil
    ) throws -> PinList {
        try PinList.build(
            pins: pins, version: version, issuedAt: issuedAt, lifetimeSeconds: expires.seconds - issuedAt.seconds, previous: previous,
            policy: policy, identity: key, coordinatorID: coordinator ?? key.publicKey.keyID)
    }

    /// Writes `list` to `path` (for `pins install --pins PATH`) and returns the path.
    @discardableResult
    static func write(_ list: PinList, to path: String) throws -> String {
        try Data(try Canonical.encode(list)).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Writes `bytes` into `directory` as `<sha256>` (the `--blob-dir` layout) and returns the digest.
@discardableResult
func storeBlob(_ root: Root, in directory: String) throws -> String {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data(root.bytes).write(to: URL(fileURLWithPath: directory + "/" + root.sha256))
    return root.sha256
}

/// Tests/Support/relay_proxy.py: a keyless relaying proxy in front of the coordinator that can answer one
/// target's proof request with another target's genuine proof.
final class RelayProxy: @unchecked Sendable {
    static let script = PackagePaths.support("relay_proxy.py")
    let swapFile: String
    let logPath: String
    let requestLog: String
    private(set) var process: ChildProcess?
    private(set) var port = 0

    init(directory: String) {
        swapFile = directory + "/relay-swaps.json"
        logPath = directory + "/relay-proxy.log"
        requestLog = directory + "/relay-requests.log"
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func start(upstream: String) async throws {
        let child = try ChildProcess(
            name: "relay-proxy", "/usr/bin/python3", [Self.script, "--upstream", upstream, "--swap-file", swapFile, "--log", requestLog],
            logPath: logPath)
        process = child
        do {
            port = try await waitFor("relay proxy announces its port", seconds: 15, every: .milliseconds(50)) {
                guard child.isRunning else { throw TestFailure("relay proxy exited: \(child.logTail())") }
                let log = (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? ""
                guard log.contains("\n") else { return nil }
                return log.split(separator: "\n").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            }
        } catch {
            child.stop()
            throw error
        }
    }

    /// From now on a proof request for each key is answered with the proof of its value.
    func swap(_ map: [String: String]) throws {
        try JSONSerialization.data(withJSONObject: map).write(to: URL(fileURLWithPath: swapFile))
    }

    func passThrough() { try? FileManager.default.removeItem(atPath: swapFile) }

    func requests() -> [String] {
        ((try? String(contentsOfFile: requestLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        process?.stop()
        process = nil
    }
}

/// A coordinator and any number of agents (id, region), on loopback, each agent either with static targets or
/// taking its targets from the coordinator (`targets_from_coordinator`, limited to `allowedSources`). Processes
/// are registered with the ``Cleanup``; nothing is started.
final class AttackSystem: @unchecked Sendable {
    let coordinator: CoordinatorProcess
    let agents: [AgentProcess]
    let identities: [AgentIdentity]
    let coordinatorURL: String
    var api: CoordinatorAPI { coordinator.api }
    var keyFile: String { coordinator.directory + "/coordinator.key" }

    init(
        _ cleanup: Cleanup, agents: [(id: String, region: String)], coordinatorTargets: [NotaryTarget], agentTargets: [NotaryTarget],
        fromCoordinator allowedSources: [String]? = nil, caBundle: String, configure: (inout CoordinatorSettings) -> Void = { _ in }
    ) async throws {
        let scratch = cleanup.scratch
        var identities: [AgentIdentity] = []
        for (id, region) in agents {
            identities.append(try await AgentIdentity.create(id: id, region: region, keyPath: scratch.file("\(id).key")))
        }
        self.identities = identities
        var settings = CoordinatorSettings(port: try freePort())
        configure(&settings)
        coordinatorURL = "http://127.0.0.1:\(settings.port)"
        let coordinator = try await CoordinatorProcess(
            directory: try scratch.directory("coordinator"), place: .local, settings: settings, agents: identities,
            targets: coordinatorTargets.map(\.coordinatorLine), api: CoordinatorAPI(baseURL: coordinatorURL, via: nil))
        cleanup.add { coordinator.crash() }
        self.coordinator = coordinator
        var processes: [AgentProcess] = []
        for identity in identities {
            let agent = try AgentProcess(
                identity: identity, directory: try scratch.directory(identity.id), place: .local, coordinators: [coordinatorURL],
                targets: agentTargets, caBundle: caBundle)
            cleanup.add { agent.kill9() }
            if let allowedSources { try Self.takeTargetsFromCoordinator(agent.configPath, allowedSources: allowedSources) }
            processes.append(agent)
        }
        self.agents = processes
    }

    /// Turns on `targets_from_coordinator` in an agent configuration, with `network.allowed_sources`.
    static func takeTargetsFromCoordinator(_ configPath: String, allowedSources: [String]) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: configPath))
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("agent config is not an object") }
        object["targets_from_coordinator"] = true
        var network = object["network"] as? [String: Any] ?? [:]
        network["allowed_sources"] = allowedSources
        network["allow_private_addresses"] = true
        object["network"] = network
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: configPath))
    }

    func start() async throws {
        try await coordinator.start()
        for agent in agents { try agent.start() }
    }

    /// Waits until the latest list pins `target` to `sha256`; returns that list.
    @discardableResult
    func waitForPin(_ target: String, _ sha256: String, seconds: Double = 60) async throws -> PinList {
        try await waitFor("\(target) pinned to \(sha256.prefix(12))", seconds: seconds) {
            guard let list = try await api.latestPinList(), list.pins.contains(where: { $0.target == target && $0.sha256 == sha256 }) else {
                return nil
            }
            return list
        }
    }
}

/// Two real notary-servers on loopback with certificates from one CA (one `ca.crt` serves as every agent's
/// `http.ca_bundle`), each on a free port.
func startNotaryServers(_ cleanup: Cleanup, names: [String]) async throws -> [NotaryServer] {
    let caDirectory = try cleanup.scratch.directory("notary-ca")
    var servers: [NotaryServer] = []
    for name in names {
        let dir = try cleanup.scratch.directory(name)
        var started: NotaryServer?
        var lastError: (any Error)?
        for _ in 0..<5 where started == nil {
            let port = try freePort()
            do {
                started = try await NotaryServer.start(dir: dir, place: .local, port: port, url: "https://127.0.0.1:\(port)", caDir: caDirectory)
            } catch {
                lastError = error
                _ = try? await Place.local.run("/bin/bash", [PackagePaths.notaryScript, "down", dir])
            }
        }
        guard let server = started else { throw lastError ?? TestFailure("notary-server \(name) did not start") }
        cleanup.add { await server.stop() }
        servers.append(server)
    }
    return servers
}
