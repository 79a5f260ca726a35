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
    static func run(targets: Int, agentCount: Int, rate: Int, seconds: Int) async throws {
        let agents = (0..<agentCount).map { ScaleBenchmark.Agent(id: "agent-\($0)", region: "region-\($0 % 5)") }
        var configuration = try coordinatorConfiguration(agents: [], targets: 0, synchronousFull: false)
        configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.identity.publicKey) }
        configuration.targets = (0..<targets).map { TargetSpec(id: "bench/target-\($0)", kind: .tuf, url: "https://tuf.example.test/\($0)") }
        configuration.consensusIntervalSeconds = 5
        configuration.consensusDebounceMilliseconds = 250
        let maxAge = configuration.consensus.maxAgeSeconds
        try await withServer(configuration) { coordinator, port in
            let fleet = try ScaleBenchmark.Fleet(
                agents: agents, store: IngestStore(database: coordinator.database), maxAgeSeconds: maxAge)
            let (_, setupSeconds) = try await ScaleBenchmark.timed {
                _ = try await fleet.observe(0..<targets, version: 1, continuity: .firstSight)
                _ = try await ScaleBenchmark.settle(coordinator.consensus)
            }
            print(String(format: "sustain: every target observed, decided, pinned and published in %.0f s", setupSeconds))

            // Batch k is observations 100k..<100k+100: observation i is agent i mod A re-reporting the pinned root of
            // target (i / A) mod T, observed at the signing's start + i / RATE seconds (sent a minute or two later, when the
            // run starts: well inside the ingest window).
            let fingerprint = fleet.fingerprints[0]
            let total = rate * seconds
            let batchCount = (total + 99) / 100
            let origin = Timestamp(Date())
            @Sendable func batch(_ k: Int) throws -> [UInt8] {
                try Canonical.encode(ObservationBatch(observations: try (k * 100..<min(total, k * 100 + 100)).map { i in
                    let agent = agents[i % agentCount]
                    let target = (i / agentCount) % targets
                    return try SignedObservation(
                        signing: Observation(
                            agent: agent.id, region: agent.region, target: "bench/target-\(target)",
                            source: RepositorySource(kind: .tuf, normalisedURL: "https://tuf.example.test/\(target)", gun: nil),
                            observedAt: origin.adding(seconds: Int64(i / rate)), sequence: Int64(1_000_000 + i), latencyMilliseconds: 40,
                            fingerprint: fingerprint, continuity: .same),
                        with: agent.identity)
                }))
            }
            let (batches, signSeconds) = try await ScaleBenchmark.timed { try await SignedBatches(count: batchCount, make: batch) }
            defer { batches.close() }
            print(String(format: "sustain: %d targets x %d agents, %d observations/s for %d s; %d batches of 100, signed before the run in %.0f s",
                         targets, agentCount, rate, seconds, batchCount, signSeconds))
            let versionBefore = try Canonical.decode(SignedPinListHeader.self, from: try await get("\(APIPath.pins)/latest/header", port: port)).signed.version

            let next = Counter()
            let start = ContinuousClock.now
            let interval = Duration.seconds(100) / rate
            let (results, elapsed) = try await ScaleBenchmark.timed {
                try await withThrowingTaskGroup(of: [(latency: Double, accepted: Int, failed: Bool)].self) { group in
                    group.addTask {
                        try await Task.sleep(until: start + .seconds(seconds / 3), clock: .continuous)
                        try await coordinator.scheduleFullRefresh()
                        return []
                    }
                    for _ in 0..<16 {
                        group.addTask {
                            var results: [(latency: Double, accepted: Int, failed: Bool)] = []
                            while true {
                                let index = next.value.withLock { value -> Int in
                                    defer { value += 1 }
                                    return value
                                }
                                guard index < batchCount else { return results }
                                let body = try batches.read(index)
                                try await Task.sleep(until: start + interval * index, clock: .continuous)
                                let sent = ContinuousClock.now
                                do {
                                    let receipt = try await post(body, port: port)
                                    let latency = ContinuousClock.now - sent
                                    results.append((Double(latency.components.attoseconds) / 1e18 + Double(latency.components.seconds),
                                                    receipt.items.count { $0.accepted }, false))
                                } catch {
                                    results.append((0, 0, true))
                                }
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            let latencies = results.filter { !$0.failed }.map(\.latency).sorted()
            func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            let accepted = results.reduce(0) { $0 + $1.accepted }
            let versionAfter = try Canonical.decode(SignedPinListHeader.self, from: try await get("\(APIPath.pins)/latest/header", port: port)).signed.version
            print(String(
                format: "  achieved %.0f observations/s accepted (%d of %d in %.1f s); request latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests failed, %d items not accepted; pin list v%lld -> v%lld during the run",
                Double(accepted) / elapsed, accepted, total, elapsed, percentile(0.5) * 1000, percentile(0.99) * 1000, (latencies.last ?? 0) * 1000,
                results.count { $0.failed }, total - accepted - results.filter(\.failed).count * 100, versionBefore, versionAfter))
            print(String(format: "  peak RSS %.0f MB", ScaleBenchmark.peakRSSMegabytes()))
        }
    }

    /// The next batch to send, shared by the clients.
    final class Counter: Sendable { let value = Mutex(0) }

    /// Request bodies signed ahead into an unlinked temporary file, read back by batch number.
    final class SignedBatches: Sendable {
        private let descriptor: Int32
        private let ranges: [(offset: Int, count: Int)]

        /// Signs `make(0)…make(count - 1)`, 64 at a time on every core, and appends them to the file in order.
        init(count: Int, make: @escaping @Sendable (Int) throws -> [UInt8]) async throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-sustain-\(UUID().uuidString)").path
            let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0 else { throw CoordinatorError(.storage, "cannot create \(path)") }
            unlink(path)
            var ranges: [(offset: Int, count: Int)] = []
            var end = 0
            for start in stride(from: 0, to: count, by: 64) {
                let bodies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                    for k in start..<min(count, start + 64) { group.addTask { (k, try make(k)) } }
                    return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
                for k in start..<min(count, start + 64) {
                    let body = bodies[k]!
                    guard body.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, off_t(end)) }) == body.count else {
                        throw CoordinatorError(.storage, "cannot write the signed batches")
                    }
                    ranges.append((end, body.count))
                    end += body.count
                }
            }
            self.descriptor = descriptor
            self.ranges = ranges
        }

        func read(_ k: Int) throws -> [UInt8] {
            let range = ranges[k]
            let body = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
                initialized = max(0, pread(descriptor, buffer.baseAddress, range.count, off_t(range.offset)))
            }
            guard body.count == range.count else { throw CoordinatorError(.storage, "cannot read signed batch \(k)") }
            return body
        }

        func close() { _ = Foundation.close(descriptor) }
    }
}
