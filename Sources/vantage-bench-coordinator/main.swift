// vantage-bench-coordinator: coordinator benchmarks (run through bench/coordinator.sh, release build).
//
// 1. Raw Ed25519 verification rate of observation signatures (one core).
// 2. Ingest of signed observations over HTTP on loopback, batches of 100, durably committed (synchronous=FULL
//    and NORMAL), beside (1).
// 3. Storage: database bytes after 1,000 targets × 10 agents × 100 unchanged polls vs the same number of changing
//    observations (with and without pruning idempotency ids older than the ingest window).
// 4. A consensus round that publishes a pin list for 10,000 targets × 10 agents, then one with nothing changed; the
//    pure PinList.build time;
//    the size of the whole list and of one pin with its proof.
// Figures are printed; nothing here asserts a wall-clock threshold.
//
// `--scale TARGETS AGENTS` runs none of the above: incremental consensus at scale (ScaleBenchmark.swift);
// `--day TARGETS AGENTS [TICKS]` database bytes over a simulated day, or TICKS polls of 10 minutes (DayBenchmark.swift);
// `--sustain TARGETS AGENTS RATE SECONDS` sustained HTTP ingest with consensus running (SustainBenchmark.swift);
// `--reliability-fixtures DIR` the configuration, signed batches and junk bodies bench/coordinator-reliability.sh
// runs the real coordinator with (ReliabilityFixtures.swift).
//
// `--serve-pins DIR` runs none of the above: it starts a coordinator on 127.0.0.1 with a published list of 10,000
// pins (2,000 with --quick) set up as in (4), writes the exact bytes of `GET /v1/pins` and of one
// `GET /v1/pins/latest/targets/{id}` response into DIR, then `DIR/ready`, and serves until `DIR/stop` exists
// (at most 30 minutes), with its static mirror in DIR/mirror and the mirror paths a CI host reads for that pin in
// DIR/mirror-paths. bench/coordinator-http.sh drives wrk against it beside nginx serving the same bytes and the mirror.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import VantageCoordinator
import VantageCore
import VantageTUF

let quick = CommandLine.arguments.contains("--quick")
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let duration = ContinuousClock.now - start
    return (value, Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-bench-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

struct Agent {
    let id: String
    let region: String
    let identity = SigningIdentity()
}

let root: [UInt8] = try {
    let keys = try (0..<3).map { _ in try RootSigningKey.generate(.ed25519) }
    let builder = RootDocumentBuilder(
        dialect: .tuf, version: 1, expires: Date().addingTimeInterval(365 * 86_400), rootKeys: keys, rootThreshold: 2,
        onlineKey: try RootSigningKey.generate(.ed25519))
    return try builder.document(signedBy: Array(keys.prefix(2)))
}()
let fingerprint = RootFingerprint(try Root.parse(root))

func coordinatorConfiguration(agents: [Agent], targets: Int, synchronousFull: Bool) throws -> CoordinatorConfiguration {
    let directory = try temporaryDirectory()
    _ = try Keygen.create(at: directory + "/coordinator.key")
    var configuration = CoordinatorConfiguration()
    configuration.listenPort = 0
    configuration.stateDirectory = directory
    configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.identity.publicKey) }
    configuration.targets = (0..<targets).map { TargetSpec(id: "bench/target-\($0)", kind: .tuf, url: benchSource("bench/target-\($0)").url) }
    configuration.consensus = ConsensusPolicy(quorum: 2, minRegions: 2, minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0))
    configuration.consensusIntervalSeconds = 3600
    configuration.consensusDebounceMilliseconds = 3_600_000
    configuration.synchronousFull = synchronousFull
    return configuration
}

/// A coordinator whose HTTP server runs while `body` runs with its port.
func withServer<T: Sendable>(
    _ configuration: CoordinatorConfiguration, _ body: @Sendable @escaping (Coordinator, Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let coordinator = try await buildCoordinator(
        configuration: configuration, dependencies: .init(logger: logger, onServerRunning: { continuation.yield($0) }))
    let services = ServiceGroup(services: [coordinator.application], gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let result = try await body(coordinator, port)
        await services.triggerGracefulShutdown()
        return result
    }
}

func post(_ body: [UInt8], port: Int) async throws -> ObservationReceipt {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(APIPath.observations)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(bytes: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    guard response.status == .ok else { throw CoordinatorError(.malformedRequest, "HTTP \(response.status)") }
    return try Canonical.decode(ObservationReceipt.self, from: bytes.readableBytesView)
}

func get(_ path: String, port: Int) async throws -> [UInt8] {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(60))
    let bytes = try await response.body.collect(upTo: 1 << 30)
    return Array(bytes.readableBytesView)
}

/// The source of bench target `id` (`bench/target-N` → `https://tuf.example.test/N`).
func benchSource(_ id: String) -> RepositorySource {
    RepositorySource(kind: .tuf, normalisedURL: "https://tuf.example.test/" + id.dropFirst("bench/target-".count), gun: nil)
}

func signedObservation(_ agent: Agent, target: String, at: Timestamp, sequence: Int64) throws -> SignedObservation {
    let observation = Observation(
        agent: agent.id, region: agent.region, target: target, source: benchSource(target), observedAt: at, sequence: sequence,
        latencyMilliseconds: 40, fingerprint: fingerprint, continuity: .firstSight)
    return try SignedObservation(signing: observation, with: agent.identity)
}

let agents = (0..<10).map { Agent(id: "agent-\($0)", region: "region-\($0 % 5)") }
let now = Timestamp(Date())

let pinTargets = quick ? 2_000 : 10_000

/// Every agent's signed statement for the same root on each of `targets` targets, committed as ingest would: the
/// next consensus round pins them all.
func commitAgreement(_ coordinator: Coordinator, targets: Int) async throws {
    let store = IngestStore(database: coordinator.database)
    var chunk: [VerifiedObservation] = []
    for target in 0..<targets {
        for agent in agents {
            let statement = AttestationStatement(
                agent: agent.id, target: "bench/target-\(target)", source: benchSource("bench/target-\(target)"),
                sha256: fingerprint.sha256, observedAt: now, continuity: .firstSight)
            chunk.append(VerifiedObservation(
                id: "\(agent.id)/\(target)", agent: agent.id, target: statement.target, observedAt: now, outcome: fingerprint.sha256,
                attestationSignature: ByteEncoding.base64Encode(try agent.identity.sign(try statement.signingBytes)), continuity: .firstSight,
                rootBytes: chunk.isEmpty ? (fingerprint.sha256, root) : nil))
        }
        if chunk.count >= 10_000 {
            _ = try await store.commit(chunk, now: now, maxAgeSeconds: 1800)
            chunk.removeAll()
        }
    }
    _ = try await store.commit(chunk, now: now, maxAgeSeconds: 1800)
}

// MARK: --scale TARGETS AGENTS (ScaleBenchmark)

if let flag = CommandLine.arguments.firstIndex(of: "--scale") {
    guard flag + 2 < CommandLine.arguments.count, let targets = Int(CommandLine.arguments[flag + 1]),
        let agentCount = Int(CommandLine.arguments[flag + 2]), targets >= 1000, agentCount >= 2
    else { fatalError("--scale needs TARGETS (at least 1000) and AGENTS (at least 2)") }
    try await ScaleBenchmark.run(targets: targets, agentCount: agentCount, logger: logger)
    exit(0)
}

// MARK: --day TARGETS AGENTS [TICKS] (DayBenchmark)

if let flag = CommandLine.arguments.firstIndex(of: "--day") {
    let values = CommandLine.arguments.dropFirst(flag + 1).prefix(3).prefix { Int($0) != nil }.compactMap { Int($0) }
    guard values.count >= 2, values[0] >= 1, values[1] >= 2, values.count == 2 || values[2] >= 1 else {
        fatalError("--day needs TARGETS (>= 1) and AGENTS (>= 2), then optionally TICKS (>= 1; 144, a day, by default)")
    }
    try await DayBenchmark.run(targets: values[0], agentCount: values[1], ticks: values.count == 3 ? values[2] : 144, logger: logger)
    exit(0)
}

// MARK: --sustain TARGETS AGENTS RATE SECONDS (SustainBenchmark)

if let flag = CommandLine.arguments.firstIndex(of: "--sustain") {
    let values = CommandLine.arguments.dropFirst(flag + 1).prefix(4).compactMap { Int($0) }
    guard values.count == 4, values[0] >= 1000, values[1] >= 2, values[2] >= 100, values[3] >= 10 else {
        fatalError("--sustain needs TARGETS (>= 1000) AGENTS (>= 2) RATE (>= 100 per second) SECONDS (>= 10)")
    }
    try await SustainBenchmark.run(targets: values[0], agentCount: values[1], rate: values[2], seconds: values[3])
    exit(0)
}

// MARK: --reliability-fixtures DIR (ReliabilityFixtures, for bench/coordinator-reliability.sh)

if let flag = CommandLine.arguments.firstIndex(of: "--reliability-fixtures") {
    guard flag + 1 < CommandLine.arguments.count else { fatalError("--reliability-fixtures needs a directory") }
    try ReliabilityFixtures.write(to: CommandLine.arguments[flag + 1])
    exit(0)
}

// MARK: 0. --serve-pins DIR (for bench/coordinator-http.sh)

if let flag = CommandLine.arguments.firstIndex(of: "--serve-pins") {
    guard flag + 1 < CommandLine.arguments.count else { fatalError("--serve-pins needs a directory") }
    let directory = CommandLine.arguments[flag + 1]
    var configuration = try coordinatorConfiguration(agents: agents, targets: pinTargets, synchronousFull: true)
    configuration.mirrorDirectory = directory + "/mirror"
    precondition(configuration.listenHost == "127.0.0.1", "the benchmark serves on 127.0.0.1 only")
    try await withServer(configuration) { coordinator, port in
        try await commitAgreement(coordinator, targets: pinTargets)
        // Rounds until one publishes nothing and leaves nothing, so no publication is left to change the list, and
        // its ETag, under wrk. The service's own start-up rounds run between these: the version is the served one.
        while true {
            let report = try await coordinator.consensus.evaluateNow()
            if report.publishedVersion == nil && !report.more { break }
        }
        let list = try await get(APIPath.pins, port: port)
        let served = try Canonical.decode(PinList.self, from: list)
        guard served.pins.count == pinTargets else { fatalError("\(served.pins.count) of \(pinTargets) targets pinned") }
        let version = served.header.signed.version
        let proofPath = "\(APIPath.pins)/latest/targets/\(APIPath.segment("bench/target-\(pinTargets / 2)"))"
        let proof = try await get(proofPath, port: port)
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        try write("pins.json", list)
        try write("proof.json", proof)
        try write("proof-path", Array(proofPath.utf8))
        // What a CI host reads from the static mirror for the same pin: the header, the index, the one bundle.
        let index = try Canonical.decode(
            PinListMirror.Index.self, from: try Data(contentsOf: URL(fileURLWithPath: "\(directory)/mirror/lists/\(version).json")))
        guard let bundle = PinListMirror.bundle(for: "bench/target-\(pinTargets / 2)", in: index) else { fatalError("no mirror bundle") }
        try write("mirror-paths", Array("latest.json lists/\(version).json bundles/\(index.bundles[bundle].root).json".utf8))
        try write("port", Array(String(port).utf8))
        try write("ready", Array("pin list v\(version), \(pinTargets) pins\n".utf8))
        let deadline = ContinuousClock.now + .seconds(1800)
        while !FileManager.default.fileExists(atPath: directory + "/stop"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
    }
    exit(0)
}

// `--pin-list-only`: skip 1–3 (for profiling the consensus rounds and the list).
if !CommandLine.arguments.contains("--pin-list-only") {
    // MARK: 1. Raw Ed25519 verification

    let verifyCount = quick ? 5_000 : 20_000
    let messages = try (0..<verifyCount).map { n in
        try Canonical.bytes(of: Observation(
            agent: agents[0].id, region: agents[0].region, target: "bench/target-\(n % 1000)", source: benchSource("bench/target-\(n % 1000)"),
            observedAt: now, sequence: Int64(n), latencyMilliseconds: 40, fingerprint: fingerprint, continuity: .firstSight))
    }
    let signatures = try messages.map { try agents[0].identity.sign($0) }
    let (valid, verifySeconds) = await elapsed { zip(messages, signatures).filter { agents[0].identity.publicKey.isValidSignature($1, for: $0) }.count }
    precondition(valid == verifyCount)
    let verifyRate = Double(verifyCount) / verifySeconds
    print(String(format: "ed25519 verify (1 core): %.0f signatures/s; an observation carries 2 signatures -> %.0f observations/s per core", verifyRate, verifyRate / 2))

    // MARK: 2. HTTP ingest

    let ingestCount = quick ? 10_000 : 50_000
    let batches: [[UInt8]] = try stride(from: 0, to: ingestCount, by: 100).map { start in
        let observations = try (start..<start + 100).map { n in
            try signedObservation(agents[n % 10], target: "bench/target-\((n / 10) % 1000)", at: now, sequence: Int64(n))
        }
        return try Canonical.encode(ObservationBatch(observations: observations))
    }
    for synchronousFull in [true, false] {
        let configuration = try coordinatorConfiguration(agents: agents, targets: 1000, synchronousFull: synchronousFull)
        let (accepted, seconds) = try await withServer(configuration) { _, port in
            try await elapsed {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    let concurrency = 8
                    for worker in 0..<concurrency {
                        group.addTask {
                            var accepted = 0
                            for index in stride(from: worker, to: batches.count, by: concurrency) {
                                accepted += try await post(batches[index], port: port).items.filter { $0.accepted && !$0.duplicate }.count
                            }
                            return accepted
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
        }
        precondition(accepted == ingestCount, "accepted \(accepted) of \(ingestCount)")
        print(String(
            format: "ingest over HTTP, batches of 100, 8 concurrent clients, synchronous=%@: %.0f observations/s (%.0f%% of one core's verify rate / 2)",
            synchronousFull ? "FULL" : "NORMAL", Double(ingestCount) / seconds, 100 * Double(ingestCount) / seconds / (verifyRate / 2)))
    }

    // MARK: 3. Storage growth

    let polls = quick ? 20 : 100
    let fakeSignature = ByteEncoding.base64Encode(Array(repeating: 7, count: 64))
    let digests = ["a", "b"].map { String(repeating: $0, count: 64) }
    for changing in [false, true] {
        let configuration = try coordinatorConfiguration(agents: agents, targets: 1000, synchronousFull: false)
        let coordinator = try await buildCoordinator(configuration: configuration, dependencies: .init(logger: logger))
        let store = IngestStore(database: coordinator.database)
        let start = Timestamp(seconds: 1_780_000_000)
        var serial = 0
        for poll in 0..<polls {
            let at = start.adding(seconds: Int64(poll) * 600)
            var chunk: [VerifiedObservation] = []
            for target in 0..<1000 {
                for agent in agents {
                    serial += 1
                    chunk.append(VerifiedObservation(
                        id: ByteEncoding.hexEncode(Array(String(serial).utf8)).padding(toLength: 64, withPad: "0", startingAt: 0),
                        agent: agent.id, target: "bench/target-\(target)", observedAt: at,
                        outcome: digests[changing ? poll % 2 : 0], attestationSignature: fakeSignature))
                }
            }
            _ = try await store.commit(chunk, now: now, maxAgeSeconds: 1800)
        }
        let total = try await coordinator.database.usedBytes()
        try await store.pruneSeen(before: start.adding(seconds: Int64(polls - 1) * 600 - configuration.ingest.maxPastSeconds))
        let pruned = try await coordinator.database.usedBytes()
        print(String(
            format: "storage, 1000 targets x 10 agents x %d %@ polls (%d observations): %.1f MB; %.1f MB after pruning idempotency ids older than the %d s ingest window",
            polls, changing ? "changing" : "unchanged", serial, Double(total) / 1e6, Double(pruned) / 1e6, configuration.ingest.maxPastSeconds))
    }
}

// MARK: 4. Pin list for 10,000 targets x 10 agents

let configuration = try coordinatorConfiguration(agents: agents, targets: pinTargets, synchronousFull: true)
try await withServer(configuration) { coordinator, port in
    try await commitAgreement(coordinator, targets: pinTargets)
    let (report, roundSeconds) = try await elapsed { try await coordinator.consensus.evaluateNow() }
    print(String(
        format: "consensus round over %d targets x 10 agents publishing pin list v%lld (decide, build, sign, self-verify, store): %.2f s; %d new pins, %d weak",
        pinTargets, report.publishedVersion ?? 0, roundSeconds, report.newPins, report.weakPins.count))
    // What every later round costs when nothing changed (rounds run after each ingest and on the timer).
    let (steady, steadySeconds) = try await elapsed { try await coordinator.consensus.evaluateNow() }
    let republished = steady.publishedVersion.map { "v\($0) published" } ?? "not republished"
    print(String(
        format: "consensus round over the same %d targets with nothing changed: %.2f s; %d new pins; ",
        pinTargets, steadySeconds, steady.newPins) + "list \(republished)")
    let body = try await get(APIPath.pins, port: port)
    let list = try Canonical.decode(PinList.self, from: body)
    let identity = SigningIdentity()
    let (_, buildSeconds) = try await elapsed {
        try PinList.build(
            pins: list.pins, version: 2, issuedAt: now, lifetimeSeconds: 86_400, previous: "", policy: configuration.consensus,
            identity: identity)
    }
    print(String(format: "PinList.build for %d pins with %d attestations each: %.3f s", list.pins.count, list.pins.first?.attestations.count ?? 0, buildSeconds))
    let proof = try await get("\(APIPath.pins)/latest/targets/\(APIPath.segment("bench/target-\(pinTargets / 2)"))", port: port)
    let decoded = try Canonical.decode(PinProof.self, from: proof)
    print("pin list JSON for \(list.pins.count) pins: \(body.count) bytes; one pin with proof (\(decoded.path.count) hashes): \(proof.count) bytes")
}
