import Foundation
import GRDB
import VantageCore

extension ConsensusStore {
    /// Applies the plans of one batch, the agents' health and their events, inside the caller's write transaction.
    /// Returns the events newly stored (an event id already stored is not raised again).
    static func apply(
        _ db: Database, plans: [TargetPlan], batch: Batch, alerts: [ConsensusPlanner.AlertKey: String], events: [VantageEvent],
        channels: [String], now: Timestamp
    ) throws -> [VantageEvent] {
        var alerts = alerts
        var events = events
        for plan in plans {
            if let pin = plan.pin {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO pins(target, seq, sha256, version, classification, pinned_at, approved_by, first_pinned_at, source)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    plan.target, pin.seq, pin.sha256, pin.version, pin.classification.rawValue, now.seconds,
                    pin.approvedBy?.joined(separator: ","), now.seconds, batch.sources[plan.target],
                ])
            }
            let reasons = String(decoding: try Canonical.encode(plan.state.reasons), as: UTF8.self)
            // SET expressions see the row as it was: updated_at moves only when the stored state changes.
            try db.cachedStatement(
                sql: """
                    UPDATE target_state SET
                        updated_at = CASE WHEN status IS NOT ?1 OR leading IS NOT ?2 OR classification IS NOT ?3 OR reasons IS NOT ?4
                            THEN ?5 ELSE updated_at END,
                        status = ?1, leading = ?2, classification = ?3, reasons = ?4,
                        due_at = CASE WHEN revision = ?6 THEN ?7 ELSE 0 END
                    WHERE target = ?8
                    """
            ).execute(arguments: [
                plan.state.statusText, plan.state.leading, plan.state.classification?.rawValue, reasons, now.seconds,
                batch.revisions[plan.target] ?? 0, plan.due?.seconds, plan.target,
            ])
            alerts.merge(plan.alerts) { _, new in new }
            events += plan.events
        }
        try saveAlerts(db, alerts)
        events = try events.map { try ContentEventDetails.adding(to: $0, kinds: batch.kinds, in: db) }
        return try EventStore.insert(db, events, channels: channels, nowMillis: now.seconds * 1000)
    }

    static func saveAlerts(_ db: Database, _ changed: [ConsensusPlanner.AlertKey: String]) throws {
        for (key, value) in changed {
            try db.cachedStatement(
                sql: "INSERT INTO alert_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            ).execute(arguments: [key.description, value])
        }
    }
}
