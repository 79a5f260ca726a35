import Crypto
import Foundation
import GRDB
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Replay ids are kept as (observation time, raw SHA-256): an upgrade carries the ids stored as hex text, a replay
/// is a duplicate before and after it, and pruning by age removes exactly the older ids.
@Suite struct ReplayIdStoreTests {
    static let agent = "agent-1"
    static let target = "registry.example.test/app"

    static func observation(_ label: String, at seconds: Int64) -> VerifiedObservation {
        VerifiedObservation(
            id: ByteEncoding.hexEncode(SHA256.hash(data: Array(label.utf8))), agent: agent, target: target,
            observedAt: Timestamp(seconds: seconds), outcome: "error:transport")
    }

    /// A database at the last schema that stored ids as hex text, holding one agent, one target and `seen`.
    static func databaseBeforeCompactIds(seen: [VerifiedObservation]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-replay-\(UUID().uuidString).sqlite").path
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "v4-incremental-consensus")
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO agents(id, region, public_key, enrolled_at) VALUES (?, 'eu', 'key', 0)", arguments: [agent])
            try db.execute(
                sql: "INSERT INTO targets(id, kind, url, added_at) VALUES (?, 'tuf', 'https://tuf.example.test', 0)", arguments: [target])
            for observation in seen {
                try db.execute(
                    sql: "INSERT INTO observations_seen(id, agent, target, observed_at) VALUES (?, ?, ?, ?)",
                    arguments: [observation.id, observation.agent, observation.target, observation.observedAt.seconds])
            }
        }
        try queue.close()
        return path
    }

    @Test func idsStoredBeforeTheUpgradeStillStopReplays() async throws {
        let old = Self.observation("old", at: 1_000)
        let path = try Self.databaseBeforeCompactIds(seen: [old])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = IngestStore(database: try CoordinatorDatabase(path: path))
        let fresh = Self.observation("fresh", at: 1_100)
        // The replay of the stored observation is a duplicate; the control, a new observation, is stored.
        let duplicates = try await store.commit([old, fresh], now: Timestamp(seconds: 1_200), maxAgeSeconds: 600)
        #expect(duplicates == [old.id])
        #expect(try await store.commit([fresh], now: Timestamp(seconds: 1_200), maxAgeSeconds: 600) == [fresh.id])
    }

    @Test func pruningForgetsOnlyOlderIds() async throws {
        let path = try Self.databaseBeforeCompactIds(seen: [])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = IngestStore(database: try CoordinatorDatabase(path: path))
        let observations = (0..<10).map { Self.observation("o\($0)", at: 1_000 + Int64($0) * 10) }
        #expect(try await store.commit(observations, now: Timestamp(seconds: 1_200), maxAgeSeconds: 600).isEmpty)
        #expect(try await store.pruneSeen(before: Timestamp(seconds: 1_050)) == 5)
        // Ids at or after the cutoff are still known; the pruned ones would be refused as stale by the check.
        let again = try await store.commit(observations, now: Timestamp(seconds: 1_200), maxAgeSeconds: 600)
        #expect(again == Set(observations.suffix(5).map(\.id)))
    }
}
