import Foundation
import GRDB
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// A round decides only the targets whose views changed or whose due instant came, and publishes only the pins
/// that changed: counted here, on a real database, with no background rounds (observations go through the same
/// check and store as `POST /v1/observations`, without the server).
@Suite struct IncrementalRoundTests {
    static let count = 300
    static let targets = (0..<count).map { TargetSpec(id: "registry.example.test/image-\($0)", kind: .tuf, url: "https://tuf.example.test/\($0)") }

    /// Checks and stores observations as the ingest route does.
    static func ingest(_ c: TestCoordinator, _ signed: [SignedObservation]) async throws {
        let directory = Directory()
        try await RegistryStore(database: c.coordinator.database, directory: directory).loadDirectory()
        let check = ObservationCheck(directory: directory.contents, limits: c.configuration.ingest, now: c.now)
        let verified = try signed.map { try check.check($0).result.get() }
        _ = try await IngestStore(database: c.coordinator.database).commit(
            verified, now: c.now, maxAgeSeconds: c.configuration.consensus.maxAgeSeconds)
    }

    static func observeAll(_ c: TestCoordinator, root: [UInt8], agents: [TestAgent]? = nil) async throws {
        try await ingest(c, try (agents ?? c.agents).flatMap { agent in
            try targets.map { try agent.observe($0.id, url: $0.url, root: root, at: c.now, continuity: .firstSight) }
        })
    }

    @Test func roundsReadOnlyWhatChanged() async throws {
        let c = try await TestCoordinator(targets: Self.targets)
        let consensus = c.coordinator.consensus
        let v1 = try TestRepository().root(version: 1)

        // Start-up marks every target once (the configuration may have changed): decided, then nothing is due.
        #expect(try await consensus.evaluateNow().decided == Self.count)
        let idle = try await consensus.evaluateNow()
        #expect(idle.decided == 0 && idle.rebuiltPins == 0 && idle.publishedVersion == nil)

        // Every agent reports every target: each is decided and pinned once, and the list holds every pin.
        try await Self.observeAll(c, root: v1)
        let pinned = try await consensus.evaluateNow()
        #expect(pinned.decided == Self.count && pinned.newPins == Self.count && pinned.rebuiltPins == Self.count)
        let list = try #require(try await PinListStore(database: c.coordinator.database).loadLatest())
        #expect(list.pinCount == Self.count && list.version == pinned.publishedVersion)
        #expect(try await consensus.evaluateNow().decided == 0)

        // The steady state: agents re-report the pinned root a minute later. Nothing to decide, nothing to publish.
        c.clock.advance(seconds: 60)
        try await Self.observeAll(c, root: v1)
        let steady = try await consensus.evaluateNow()
        #expect(steady.decided == 0 && steady.rebuiltPins == 0 && steady.publishedVersion == nil)

        // One agent sees another root for one target: that target alone is decided (a split view; the pin stays).
        let other = try TestRepository().root(version: 1)
        try await Self.ingest(c, [try c.agents[0].observe(Self.targets[7].id, url: Self.targets[7].url, root: other, at: c.now, continuity: .unchained)])
        let split = try await consensus.evaluateNow()
        #expect(split.decided == 1 && split.newPins == 0 && split.rebuiltPins == 0)
        #expect(split.events.map(\.kind) == [.splitView] && split.events.first?.target == Self.targets[7].id)
        // The status gauges, kept by each round's transitions, are what a full count says.
        try await Self.expectGaugesCounted(c, ["agreed": Self.count - 1, "split_view": 1])

        // Time alone: once the re-reports are older than max_age, every target is due (quorum lost).
        c.clock.advance(seconds: c.configuration.consensus.maxAgeSeconds + 1)
        let aged = try await consensus.evaluateNow()
        #expect(aged.decided == Self.count)
        #expect(aged.events.filter { $0.kind == .quorumLost }.count == Self.count)
        try await Self.expectGaugesCounted(c, ["no_consensus": Self.count])
        #expect(try await consensus.evaluateNow().decided == 0)
    }

    /// `vantage_targets{status}` as exported equals both `expected` and a full count of the stored states.
    static func expectGaugesCounted(_ c: TestCoordinator, _ expected: [String: Int]) async throws {
        let rendered = String(decoding: c.coordinator.consensus.metrics.render(), as: UTF8.self)
        let counted = try await c.coordinator.database.writer.read(ConsensusStore.statusCounts)
        #expect(counted.statuses.filter { $0.value > 0 } == expected)
        for status in CoordinatorMetrics.statuses {
            let line = rendered.split(separator: "\n").first { $0.hasPrefix("vantage_targets{status=\"\(status)\"} ") }
            #expect(line.flatMap { Double($0.split(separator: " ").last ?? "") } == Double(expected[status] ?? 0), "\(status): \(line ?? "none")")
        }
    }

    @Test func largeBacklogsRunInBatches() async throws {
        let c = try await TestCoordinator(targets: Self.targets) {
            $0.consensusBatchTargets = 64
            $0.publishBatchPins = 100
        }
        let consensus = c.coordinator.consensus
        _ = try await consensus.evaluateNow()
        while try await consensus.evaluateNow().more {}
        try await Self.observeAll(c, root: try TestRepository().root(version: 1))
        var decided = 0, rounds = 0
        var report = try await consensus.evaluateNow()
        decided += report.decided
        rounds += 1
        while report.more {
            #expect(report.decided <= 64 && report.rebuiltPins <= 100)
            report = try await consensus.evaluateNow()
            decided += report.decided
            rounds += 1
        }
        #expect(decided == Self.count && rounds >= Self.count / 64)
        // Until every pin is published the rounds go on; then the list holds them all.
        while try await consensus.evaluateNow().more {}
        #expect(try #require(try await PinListStore(database: c.coordinator.database).loadLatest()).pinCount == Self.count)
    }
}
