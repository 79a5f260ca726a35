import Foundation
import VantageCoordinator
import VantageCore
import VantageTUF

/// The run without a mode option, ten agents in five regions:
/// 1. raw Ed25519 verification rate of observation signatures (one core);
/// 2. ingest of signed observations over HTTP on loopback, batches of 100, durably committed (synchronous=FULL and
///    NORMAL), beside (1);
/// 3. storage: database bytes after 1,000 targets × 10 agents × 100 unchanged polls vs the same number of changing
///    observations (with and without pruning idempotency ids older than the ingest window);
/// 4. a consensus round that publishes a pin list for 10,000 targets × 10 agents, then one with nothing changed; the
///    pure PinList.build time; the size of the whole list and of one pin with its proof.
/// `quick` shrinks every count; `pinListOnly` skips 1–3 (for profiling the consensus rounds and the list).
enum StandardBenchmark {
    static func run(quick: Bool, pinListOnly: Bool) async throws {
        let fixture = try BenchFixture(agents: BenchAgent.fleet(10))
        if !pinListOnly {
            let verifyRate = try await verification(fixture, count: quick ? 5_000 : 20_000)
            try await ingest(fixture, count: quick ? 10_000 : 50_000, verifyRate: verifyRate)
            try await storage(fixture, polls: quick ? 20 : 100)
        }
        try await pinList(fixture, targets: quick ? 2_000 : 10_000)
    }

    /// 1. Ed25519 verifications a second of `count` observation signatures by one agent; prints the rate.
    static func verification(_ fixture: BenchFixture, count: Int) async throws -> Double {
        let agent = fixture.agents[0]
        let messages = try (0..<count).map { n in
            try Canonical.bytes(of: Observation(
                agent: agent.id, region: agent.region, target: "bench/target-\(n % 1000)", source: benchSource("bench/target-\(n % 1000)"),
                observedAt: fixture.now, sequence: Int64(n), latencyMilliseconds: 40, fingerprint: fixture.fingerprint, continuity: .firstSight))
        }
        let signatures = try messages.map { try agent.identity.sign($0) }
        let (valid, seconds) = await BenchMeasure.timed {
            zip(messages, signatures).filter { agent.identity.publicKey.isValidSignature($1, for: $0) }.count
        }
        precondition(valid == count)
        let rate = Double(count) / seconds
        print(String(format: "ed25519 verify (1 core): %.0f signatures/s; an observation carries 2 signatures -> %.0f observations/s per core", rate, rate / 2))
        return rate
    }

    /// 2. `count` signed observations posted in batches of 100 by 8 concurrent clients, under each synchronous mode.
    static func ingest(_ fixture: BenchFixture, count: Int, verifyRate: Double) async throws {
        let batches: [[UInt8]] = try stride(from: 0, to: count, by: 100).map { start in
            let observations = try (start..<start + 100).map { n in
                try fixture.signedObservation(fixture.agents[n % 10], target: "bench/target-\((n / 10) % 1000)", at: fixture.now, sequence: Int64(n))
            }
            return try Canonical.encode(ObservationBatch(observations: observations))
        }
        for synchronousFull in [true, false] {
            let configuration = try BenchServer.configuration(agents: fixture.agents, targets: 1000, synchronousFull: synchronousFull)
            // Counted while the batches are posted, not while the coordinator starts; its start-up round may overlap.
            let ((accepted, seconds), counts) = try await BenchServer.run(configuration) { _, port in
                try await BenchCounters.process { try await BenchMeasure.timed { try await post(batches, port: port, concurrency: 8) } }
            }
            precondition(accepted == count, "accepted \(accepted) of \(count)")
            print(String(
                format: "ingest over HTTP, batches of 100, 8 concurrent clients, synchronous=%@: %.0f observations/s (%.0f%% of one core's verify rate / 2)",
                synchronousFull ? "FULL" : "NORMAL", Double(count) / seconds, 100 * Double(count) / seconds / (verifyRate / 2))
                + "; ingest " + BenchCounters.per("observation", counts, count))
        }
    }

    /// Posts every batch, `concurrency` at a time; the observations accepted and not duplicates.
    private static func post(_ batches: [[UInt8]], port: Int, concurrency: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var accepted = 0
                    for index in stride(from: worker, to: batches.count, by: concurrency) {
                        accepted += try await BenchServer.post(batches[index], port: port).items.filter { $0.accepted && !$0.duplicate }.count
                    }
                    return accepted
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// 3. Database bytes after `polls` polls of 1,000 targets by every agent, unchanged then changing, and after
    /// pruning the idempotency ids older than the ingest window.
    static func storage(_ fixture: BenchFixture, polls: Int) async throws {
        let fakeSignature = ByteEncoding.base64Encode(Array(repeating: 7, count: 64))
        let digests = ["a", "b"].map { String(repeating: $0, count: 64) }
        for changing in [false, true] {
            let configuration = try BenchServer.configuration(agents: fixture.agents, targets: 1000, synchronousFull: false)
            let coordinator = try await buildCoordinator(configuration: configuration, dependencies: .init(logger: BenchServer.logger))
            let store = IngestStore(database: coordinator.database)
            let start = Timestamp(seconds: 1_780_000_000)
            var serial = 0
            for poll in 0..<polls {
                let at = start.adding(seconds: Int64(poll) * 600)
                var chunk: [VerifiedObservation] = []
                for target in 0..<1000 {
                    for agent in fixture.agents {
                        serial += 1
                        chunk.append(VerifiedObservation(
                            id: ByteEncoding.hexEncode(Array(String(serial).utf8)).padding(toLength: 64, withPad: "0", startingAt: 0),
                            agent: agent.id, target: "bench/target-\(target)", observedAt: at,
                            outcome: digests[changing ? poll % 2 : 0], attestationSignature: fakeSignature))
                    }
                }
                _ = try await store.commit(chunk, now: fixture.now, maxAgeSeconds: 1800)
            }
            let total = try await coordinator.database.usedBytes()
            try await store.pruneSeen(before: start.adding(seconds: Int64(polls - 1) * 600 - configuration.ingest.maxPastSeconds))
            let pruned = try await coordinator.database.usedBytes()
            print(String(
                format: "storage, 1000 targets x 10 agents x %d %@ polls (%d observations): %.1f MB; %.1f MB after pruning idempotency ids older than the %d s ingest window",
                polls, changing ? "changing" : "unchanged", serial, Double(total) / 1e6, Double(pruned) / 1e6, configuration.ingest.maxPastSeconds))
        }
    }

    /// 4. The first consensus round over `targets` targets, one with nothing changed, PinList.build, and the sizes.
    static func pinList(_ fixture: BenchFixture, targets: Int) async throws {
        let configuration = try BenchServer.configuration(agents: fixture.agents, targets: targets, synchronousFull: true)
        try await BenchServer.run(configuration) { coordinator, port in
            try await fixture.commitAgreement(coordinator, targets: targets)
            let (report, roundSeconds) = try await BenchMeasure.timed { try await coordinator.consensus.evaluateNow() }
            print(String(
                format: "consensus round over %d targets x 10 agents publishing pin list v%lld (decide, build, sign, self-verify, store): %.2f s; %d new pins, %d weak",
                targets, report.publishedVersion ?? 0, roundSeconds, report.newPins, report.weakPins.count))
            // What every later round costs when nothing changed (rounds run after each ingest and on the timer).
            let (steady, steadySeconds) = try await BenchMeasure.timed { try await coordinator.consensus.evaluateNow() }
            let republished = steady.publishedVersion.map { "v\($0) published" } ?? "not republished"
            print(String(
                format: "consensus round over the same %d targets with nothing changed: %.2f s; %d new pins; ",
                targets, steadySeconds, steady.newPins) + "list \(republished)")
            let body = try await BenchServer.get(APIPath.pins, port: port)
            let list = try Canonical.decode(PinList.self, from: body)
            let identity = SigningIdentity()
            let (_, buildSeconds) = try await BenchMeasure.timed {
                try PinList.build(
                    pins: list.pins, version: 2, issuedAt: fixture.now, lifetimeSeconds: 86_400, previous: "", policy: configuration.consensus,
                    identity: identity)
            }
            print(String(
                format: "PinList.build for %d pins with %d attestations each: %.3f s", list.pins.count, list.pins.first?.attestations.count ?? 0,
                buildSeconds))
            let proof = try await BenchServer.get("\(APIPath.pins)/latest/targets/\(APIPath.segment("bench/target-\(targets / 2)"))", port: port)
            let decoded = try Canonical.decode(PinProof.self, from: proof)
            print("pin list JSON for \(list.pins.count) pins: \(body.count) bytes; one pin with proof (\(decoded.path.count) hashes): \(proof.count) bytes")
        }
    }
}
