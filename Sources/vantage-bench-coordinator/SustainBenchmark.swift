import Foundation
import Synchronization
import VantageCoordinator
import VantageCore
import VantageTUF

/// `--sustain TARGETS AGENTS RATE SECONDS`: a coordinator serving HTTP on 127.0.0.1 with its consensus service
/// running (rounds after each ingest and on a 5 s timer), all targets pinned, then RATE observations a second for
/// SECONDS posted in batches of 100 on an open-loop schedule (each batch at its planned instant, whatever the earlier
/// ones took) by 16 concurrent clients; a third of the way in, every pin is made due for fresh attestations, so the
/// refresh runs under the load. Prints the achieved rate, request latency p50/p99/max, requests that failed or
/// items not accepted, and the pin list versions published during the run. The observations are signed before the run
/// into a temporary file the clients read their batches from, so the load generator spends no CPU on signing during
/// the run (it shares the machine's cores with the coordinator) and memory holds only the batches in flight.
enum SustainBenchmark {
    /// One request's outcome: its latency in seconds, the items accepted, whether the request failed.
    typealias Result = (latency: Double, accepted: Int, failed: Bool)

    /// The planned load: RATE observations a second for SECONDS, in batches of 100.
    struct Load: Sendable {
        let targets: Int
        let agents: [BenchAgent]
        let rate: Int
        let seconds: Int
        var total: Int { rate * seconds }
        var batchCount: Int { (total + 99) / 100 }
    }

    static func run(targets: Int, agentCount: Int, rate: Int, seconds: Int) async throws {
        let load = Load(targets: targets, agents: BenchAgent.fleet(agentCount), rate: rate, seconds: seconds)
        var configuration = try BenchServer.configuration(agents: load.agents, targets: targets, synchronousFull: false)
        configuration.consensusIntervalSeconds = 5
        configuration.consensusDebounceMilliseconds = 250
        let maxAge = configuration.consensus.maxAgeSeconds
        try await BenchServer.run(configuration) { coordinator, port in
            let fleet = try ScaleBenchmark.Fleet(agents: load.agents, store: IngestStore(database: coordinator.database), maxAgeSeconds: maxAge)
            let (_, setupSeconds) = try await BenchMeasure.timed {
                _ = try await fleet.observe(0..<targets, version: 1, continuity: .firstSight)
                _ = try await ScaleBenchmark.settle(coordinator.consensus)
            }
            print(String(format: "sustain: every target observed, decided, pinned and published in %.0f s", setupSeconds))
            let (batches, signSeconds) = try await BenchMeasure.timed { try await sign(load, fingerprint: fleet.fingerprints[0]) }
            defer { batches.close() }
            print(String(format: "sustain: %d targets x %d agents, %d observations/s for %d s; %d batches of 100, signed before the run in %.0f s",
                         targets, agentCount, rate, seconds, load.batchCount, signSeconds))
            let versionBefore = try await BenchServer.publishedVersion(port: port)
            let (results, elapsed) = try await BenchMeasure.timed { try await send(load, batches: batches, coordinator: coordinator, port: port) }
            let versionAfter = try await BenchServer.publishedVersion(port: port)
            report(load, results: results, elapsed: elapsed, versions: (versionBefore, versionAfter))
        }
    }

    /// Every batch, signed into a file. Batch k is observations 100k..<100k+100: observation i is agent i mod A
    /// re-reporting the pinned root of target (i / A) mod T, observed at the signing's start + i / RATE seconds (sent
    /// a minute or two later, when the run starts: well inside the ingest window).
    static func sign(_ load: Load, fingerprint: RootFingerprint) async throws -> SignedBatches {
        let origin = Timestamp(Date())
        return try await SignedBatches(count: load.batchCount) { k in
            try Canonical.encode(ObservationBatch(observations: try (k * 100..<min(load.total, k * 100 + 100)).map { i in
                let agent = load.agents[i % load.agents.count]
                let target = "bench/target-\((i / load.agents.count) % load.targets)"
                return try SignedObservation(
                    signing: Observation(
                        agent: agent.id, region: agent.region, target: target, source: benchSource(target),
                        observedAt: origin.adding(seconds: Int64(i / load.rate)), sequence: Int64(1_000_000 + i), latencyMilliseconds: 40,
                        fingerprint: fingerprint, continuity: .same),
                    with: agent.identity)
            }))
        }
    }

    /// Posts every batch at its planned instant from 16 clients, and makes every pin due a third of the way in.
    static func send(_ load: Load, batches: SignedBatches, coordinator: Coordinator, port: Int) async throws -> [Result] {
        let next = Counter()
        let start = ContinuousClock.now
        let interval = Duration.seconds(100) / load.rate
        return try await withThrowingTaskGroup(of: [Result].self) { group in
            group.addTask {
                try await Task.sleep(until: start + .seconds(load.seconds / 3), clock: .continuous)
                try await coordinator.scheduleFullRefresh()
                return []
            }
            for _ in 0..<16 {
                group.addTask {
                    var results: [Result] = []
                    while true {
                        let index = next.value.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard index < load.batchCount else { return results }
                        let body = try batches.read(index)
                        try await Task.sleep(until: start + interval * index, clock: .continuous)
                        results.append(await post(body, port: port))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// One batch posted: its latency and the items accepted, or a failed request.
    private static func post(_ body: [UInt8], port: Int) async -> Result {
        let sent = ContinuousClock.now
        do {
            let receipt = try await BenchServer.post(body, port: port)
            return (BenchMeasure.seconds(ContinuousClock.now - sent), receipt.items.count { $0.accepted }, false)
        } catch {
            return (0, 0, true)
        }
    }

    /// The next batch to send, shared by the clients.
    final class Counter: Sendable { let value = Mutex(0) }

    private static func report(_ load: Load, results: [Result], elapsed: Double, versions: (before: Int64, after: Int64)) {
        let latencies = results.filter { !$0.failed }.map(\.latency).sorted()
        let accepted = results.reduce(0) { $0 + $1.accepted }
        print(String(
            format: "  achieved %.0f observations/s accepted (%d of %d in %.1f s); request latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests failed, %d items not accepted; pin list v%lld -> v%lld during the run",
            Double(accepted) / elapsed, accepted, load.total, elapsed, BenchMeasure.percentile(latencies, 0.5) * 1000,
            BenchMeasure.percentile(latencies, 0.99) * 1000, (latencies.last ?? 0) * 1000,
            results.count { $0.failed }, load.total - accepted - results.filter(\.failed).count * 100, versions.before, versions.after))
        print(String(format: "  peak RSS %.0f MB", BenchMeasure.peakRSSMegabytes()))
    }
}
