import Foundation
import GRDB
import VantageCore

/// What the mirror writer reads and records: the published versions (to restore a missing header) and its alert
/// condition (`alert_state`, so a failure alerted before a restart is resolved after it).
struct MirrorStore: Sendable {
    let database: CoordinatorDatabase

    /// The published versions below `version`, ascending.
    func versions(before version: Int64) async throws -> [Int64] {
        try await storage("read pin list versions") {
            try await database.writer.read { db in
                try Int64.fetchAll(db, sql: "SELECT version FROM pin_lists WHERE version < ? ORDER BY version", arguments: [version])
            }
        }
    }

    /// The signed headers of `versions`, as served.
    func headers(_ versions: [Int64]) async throws -> [(Int64, [UInt8])] {
        guard !versions.isEmpty else { return [] }
        return try await storage("read pin list headers") {
            try await database.writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT version, header_json FROM pin_lists WHERE version IN (\(databaseQuestionMarks(count: versions.count)))",
                    arguments: StatementArguments(versions)
                ).map { row in (row[0], Array(row[1] as Data)) }
            }
        }
    }

    /// The stored condition of `key` (`nil`: never recorded).
    func condition(_ key: String) async throws -> String? {
        try await storage("read mirror alert state") {
            try await database.writer.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM alert_state WHERE key = ?", arguments: [key])
            }
        }
    }

    /// Records `condition` for `key` and stores `event` with an outbox row per channel, in one transaction.
    func record(_ key: String, condition: String, event: VantageEvent, channels: [String], nowMillis: Int64) async throws {
        try await storage("record mirror alert") {
            try await database.writer.write { db in
                try db.execute(
                    sql: "INSERT INTO alert_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, condition])
                _ = try EventStore.insert(db, [event], channels: channels, nowMillis: nowMillis)
            }
        }
    }
}
