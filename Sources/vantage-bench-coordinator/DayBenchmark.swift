import Foundation
import Logging
import Synchronization
import VantageCoordinator
import VantageCore

/// `--day TARGETS AGENTS [TICKS]`: database bytes over a simulated day (144 ticks of 10 minutes, or TICKS). A
/// coordinator (no HTTP) on a manual clock; every 10 simulated minutes each agent re-reports each target's unchanged root (as agents polling every 10 minutes do),
/// rounds run until none leaves work (attestation refreshes and header re-signing included), and replay ids older
/// than the ingest window are pruned, as the consensus service does after its rounds. Prints the database bytes and
/// the rows of the tables that could grow, after 1, 6, 12, 36, 72 and 144 ticks (a day) and after the last tick.
enum DayBenchmark {
    /// The simulated "now", moved by the benchmark only.
    final class ManualTime: Sendable {
        private let seconds: Mutex<Int64>
        init(_ start: Int64) { seconds = Mutex(start) }
        var now: Timestamp { Timestamp(seconds: seconds.withLock { $0 }) }
        func advance(by delta: Int64) { seconds.withLock { $0 += delta } }
    }

    static func run(targets: Int, agentCount: Int, ticks: Int, logger: Logger) async throws {
        let agents = BenchAgent.fleet(agentCount)
        let time = ManualTime(Timestamp(Date()).seconds)
        let clock = CoordinatorClock(now: { time.now }, nowMillis: { time.now.seconds * 1000 })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-day-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (coordinator, configuration) = try await ScaleBenchmark.makeCoordinator(
            in: directory, agents: agents, targets: targets, dependencies: .init(clock: clock, logger: logger))
        let store = IngestStore(database: coordinator.database)
        let fleet = try ScaleBenchmark.Fleet(agents: agents, store: store, maxAgeSeconds: configuration.consensus.maxAgeSeconds)
        print(String(
            format: "day: %d targets x %d agents, a poll every 600 s (%d observations a tick), ingest window %lld s, max_age %lld s",
            targets, agentCount, targets * agentCount, configuration.ingest.maxPastSeconds, configuration.consensus.maxAgeSeconds))

        _ = try await ScaleBenchmark.settle(coordinator.consensus)
        _ = try await fleet.observe(0..<targets, version: 1, continuity: .firstSight, at: time.now)
        _ = try await ScaleBenchmark.settle(coordinator.consensus)
        try await report(tick: 0, coordinator: coordinator, seconds: 0)
        let start = ContinuousClock.now
        for tick in 1...ticks {
            time.advance(by: 600)
            _ = try await fleet.observe(0..<targets, version: 1, continuity: .same, at: time.now)
            _ = try await ScaleBenchmark.settle(coordinator.consensus)
            _ = try await store.pruneSeen(before: time.now.adding(seconds: -configuration.ingest.maxPastSeconds))
            if [1, 6, 12, 36, 72, 144, ticks].contains(tick) {
                let elapsed = ContinuousClock.now - start
                try await report(tick: tick, coordinator: coordinator, seconds: Double(elapsed.components.seconds))
            }
        }
        print(String(format: "  peak RSS %.0f MB", BenchMeasure.peakRSSMegabytes()))
    }

    private static func report(tick: Int, coordinator: Coordinator, seconds: Double) async throws {
        let bytes = try await coordinator.database.usedBytes()
        let rows = try await coordinator.database.rowCounts()
        let listed = rows.map { "\($0.table) \($0.rows)" }.joined(separator: ", ")
        print(String(format: "  after %3d ticks (%5.1f h simulated, %4.0f s wall): database %.1f MB; rows: %@", tick, Double(tick) / 6, seconds,
                     Double(bytes) / 1e6, listed))
    }
}
