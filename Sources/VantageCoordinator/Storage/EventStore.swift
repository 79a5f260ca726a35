import Foundation
import GRDB
import VantageCore

/// Stored events and the delivery outbox (one row per event and channel).
struct EventStore: Sendable {
    let database: CoordinatorDatabase

    /// One outbox row waiting for delivery.
    struct Delivery: Sendable {
        var event: VantageEvent
        var channel: String
        var attempts: Int
    }

    /// Inserts `events` (ignoring ids already stored) with an outbox row per channel, inside a caller's transaction.
    /// Returns the events that were new.
    static func insert(_ db: Database, _ events: [VantageEvent], channels: [String], nowMillis: Int64) throws -> [VantageEvent] {
        var inserted: [VantageEvent] = []
        for event in events {
            let json = String(decoding: try Canonical.encode(event), as: UTF8.self)
            try db.execute(
                sql: "INSERT OR IGNORE INTO events(id, kind, severity, target, at, json, alert) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [event.id, event.kind.rawValue, event.severity.rawValue, event.target, event.at.seconds, json, event.alert])
            guard db.changesCount > 0 else { continue }
            inserted.append(event)
            for channel in channels {
                try db.execute(
                    sql: "INSERT INTO outbox(event, channel, next_attempt_at) VALUES (?, ?, ?)",
                    arguments: [event.id, channel, nowMillis])
            }
        }
        return inserted
    }

    /// Inserts events in their own transaction (test alerts).
    func insert(_ events: [VantageEvent], channels: [String], nowMillis: Int64) async throws -> [VantageEvent] {
        try await storage("insert events") {
            try await database.writer.write { db in try Self.insert(db, events, channels: channels, nowMillis: nowMillis) }
        }
    }

    /// Events after `cursor`, oldest first.
    func page(after cursor: Int64, limit: Int) async throws -> EventPage {
        try await storage("read events") {
            try await database.writer.read { db in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT cursor, json FROM events WHERE cursor > ? ORDER BY cursor LIMIT ?", arguments: [cursor, limit])
                let entries = try rows.map { row in
                    EventPage.Entry(cursor: row["cursor"], event: try Canonical.decode(VantageEvent.self, from: Array((row["json"] as String).utf8)))
                }
                return EventPage(events: entries, next: entries.last?.cursor ?? cursor)
            }
        }
    }

    /// The latest events, newest first.
    func latest(limit: Int) async throws -> [VantageEvent] {
        try await storage("read events") {
            try await database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT json FROM events ORDER BY cursor DESC LIMIT ?", arguments: [limit]).map {
                    try Canonical.decode(VantageEvent.self, from: Array($0.utf8))
                }
            }
        }
    }

    /// The open alerts: for each alert key, its latest event when that event opens it (not a resolution), newest
    /// first, at most `limit`.
    func openAlerts(limit: Int) async throws -> [VantageEvent] {
        try await storage("read alerts") {
            try await database.writer.read { db in
                let latest = try String.fetchAll(
                    db,
                    sql: """
                        SELECT e.json FROM events e
                        JOIN (SELECT max(cursor) AS cursor FROM events WHERE alert IS NOT NULL GROUP BY alert) l ON l.cursor = e.cursor
                        WHERE e.kind != ? ORDER BY e.cursor DESC LIMIT ?
                        """,
                    arguments: [VantageEvent.Kind.recovered.rawValue, limit])
                return try latest.map { try Canonical.decode(VantageEvent.self, from: Array($0.utf8)) }.filter { !$0.resolvesAlert }
            }
        }
    }

    /// Records that `by` acknowledged event `id`. Returns `false` when no such event is stored.
    func acknowledge(_ id: String, by: String, note: String?, now: Timestamp) async throws -> Bool {
        try await storage("acknowledge alert") {
            try await database.writer.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE id = ?", arguments: [id]) != nil else { return false }
                try db.execute(
                    sql: """
                        INSERT INTO alert_acks(event, acknowledged_by, acknowledged_at, note) VALUES (?, ?, ?, ?)
                        ON CONFLICT(event) DO UPDATE SET acknowledged_by = excluded.acknowledged_by,
                            acknowledged_at = excluded.acknowledged_at, note = excluded.note
                        """,
                    arguments: [id, by, now.seconds, note])
                return true
            }
        }
    }

    /// Acknowledgements by event id.
    func acknowledgements() async throws -> [String: AlertAcknowledgement] {
        try await storage("read acknowledgements") {
            try await database.writer.read { db in
                var acks: [String: AlertAcknowledgement] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT event, acknowledged_by, acknowledged_at, note FROM alert_acks") {
                    acks[row["event"]] = AlertAcknowledgement(by: row["acknowledged_by"], at: Timestamp(seconds: row["acknowledged_at"]), note: row["note"])
                }
                return acks
            }
        }
    }

    /// Outbox rows due at `nowMillis`, oldest first.
    func due(nowMillis: Int64, limit: Int) async throws -> [Delivery] {
        try await storage("read outbox") {
            try await database.writer.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT o.channel, o.attempts, e.json FROM outbox o JOIN events e ON e.id = o.event
                        WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, e.cursor LIMIT ?
                        """,
                    arguments: [nowMillis, limit])
                return try rows.map { row in
                    Delivery(
                        event: try Canonical.decode(VantageEvent.self, from: Array((row["json"] as String).utf8)),
                        channel: row["channel"], attempts: row["attempts"])
                }
            }
        }
    }

    /// Undelivered outbox rows.
    func depth() async throws -> Int {
        try await storage("read outbox") {
            try await database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? 0
            }
        }
    }

    func markDelivered(event: String, channel: String, nowMillis: Int64) async throws {
        try await storage("update outbox") {
            try await database.writer.write { db in
                try db.execute(
                    sql: "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE event = ? AND channel = ?",
                    arguments: [nowMillis, event, channel])
            }
        }
    }

    func markFailed(event: String, channel: String, error: String, retryAtMillis: Int64) async throws {
        try await storage("update outbox") {
            try await database.writer.write { db in
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event = ? AND channel = ?",
                    arguments: [String(error.prefix(1000)), retryAtMillis, event, channel])
            }
        }
    }
}
