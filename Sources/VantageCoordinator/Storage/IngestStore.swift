import Foundation
import GRDB
import VantageCore
import VantageTUF

/// Durable ingest: one write transaction per batch, committed before the coordinator answers.
package struct IngestStore: Sendable {
    let database: CoordinatorDatabase

    package init(database: CoordinatorDatabase) { self.database = database }

    /// Stores `observations` (already verified) and returns the ids that were already stored (duplicates).
    ///
    /// For each new observation: its id goes into `observations_seen`; the agent's current span for the target is
    /// extended when the outcome is unchanged, or closed and a new span opened when it changed; root bytes are
    /// stored once by SHA-256; the agent's `last_seen` advances. An observation older than the agent's current
    /// span for the target (a late spool delivery) is recorded as seen but does not rewrite history.
    ///
    /// The target is marked for the next consensus round (``ConsensusStore/markDue(_:target:)``) when its decision
    /// could change: a new span (another outcome), an attestation with another verdict, or a view that had left the
    /// fresh window (older than `maxAgeSeconds` at `now`) coming back. A fresh view that only grows older-but-newer
    /// changes nothing a round stores, so the steady state of every agent re-reporting the pin marks nothing.
    package func commit(_ observations: [VerifiedObservation], now: Timestamp, maxAgeSeconds: Int64) async throws -> Set<String> {
        guard !observations.isEmpty else { return [] }
        let ordered = observations.sorted { $0.observedAt < $1.observedAt }
        return try await storage("ingest") {
            try await database.writer.write { db in
                var duplicates = Set<String>()
                var lastSeen: [String: Int64] = [:]
                for observation in ordered {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO observations_seen(observed_at, id) VALUES (?, ?)")
                        .execute(arguments: [observation.observedAt.seconds, Self.replayKey(observation.id)])
                    guard db.changesCount > 0 else {
                        duplicates.insert(observation.id)
                        continue
                    }
                    if let blob = observation.rootBytes {
                        try db.cachedStatement(sql: "INSERT OR IGNORE INTO blobs(sha256, bytes) VALUES (?, ?)")
                            .execute(arguments: [blob.sha256, Data(blob.bytes)])
                    }
                    if try extendSpan(db, with: observation, staleBefore: now.seconds - maxAgeSeconds) {
                        try ConsensusStore.markDue(db, target: observation.target)
                    }
                    lastSeen[observation.agent] = max(lastSeen[observation.agent] ?? 0, observation.observedAt.seconds)
                }
                for (agent, seen) in lastSeen {
                    try db.execute(
                        sql: "UPDATE agents SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?", arguments: [seen, agent])
                }
                return duplicates
            }
        }
    }

    /// Forgets idempotency ids of observations made before `cutoff`. Safe for any cutoff at or before
    /// now − `ingest.max_past_seconds`: a replay that old is refused as stale before its id is looked up.
    /// Returns the number of ids removed.
    @discardableResult
    package func pruneSeen(before cutoff: Timestamp) async throws -> Int {
        try await storage("prune observations_seen") {
            try await database.writer.write { db in
                try db.execute(sql: "DELETE FROM observations_seen WHERE observed_at < ?", arguments: [cutoff.seconds])
                return db.changesCount
            }
        }
    }

    /// An observation's id as `observations_seen` stores it: the raw SHA-256 (``ObservationCheck`` always makes the id
    /// its hex; any other text would still be stored uniquely, as its UTF-8).
    static func replayKey(_ id: String) -> Data {
        Data(ByteEncoding.hexDecode(id) ?? Array(id.utf8))
    }

    /// Returns whether consensus may decide otherwise now.
    private func extendSpan(_ db: Database, with observation: VerifiedObservation, staleBefore: Int64) throws -> Bool {
        let current = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT id, outcome, last_seen, attestation_continuity FROM spans WHERE agent = ? AND target = ? AND is_current = 1"),
            arguments: [observation.agent, observation.target])
        let at = observation.observedAt.seconds
        if let current {
            let lastSeen: Int64 = current["last_seen"]
            if at < lastSeen { return false }
            if current["outcome"] == observation.outcome {
                let verdict = observation.attestationSignature.flatMap { _ in observation.continuity?.rawValue }
                let changes = lastSeen < staleBefore || (verdict != nil && verdict != current["attestation_continuity"] as String?)
                try db.cachedStatement(
                    sql: """
                        UPDATE spans SET last_seen = ?, count = count + 1, last_observation = ?, error_message = ?,
                            attestation_observed_at = coalesce(?, attestation_observed_at),
                            attestation_signature = coalesce(?, attestation_signature),
                            attestation_continuity = coalesce(?, attestation_continuity),
                            attestation_key_id = CASE WHEN ? IS NULL THEN attestation_key_id ELSE ? END
                        WHERE id = ?
                        """
                ).execute(
                    arguments: [
                        at, observation.id, observation.errorMessage, observation.attestationSignature.map { _ in at },
                        observation.attestationSignature,
                        observation.attestationSignature.flatMap { _ in observation.continuity?.rawValue },
                        observation.attestationSignature, observation.attestationKeyID, current["id"] as Int64,
                    ])
                return changes
            }
            try db.cachedStatement(sql: "UPDATE spans SET is_current = 0 WHERE id = ?").execute(arguments: [current["id"] as Int64])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO spans(agent, target, outcome, first_seen, last_seen, count, attestation_observed_at,
                    attestation_signature, attestation_continuity, attestation_key_id, last_observation, error_message, is_current)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 1)
                """
        ).execute(
            arguments: [
                observation.agent, observation.target, observation.outcome, at, at,
                observation.attestationSignature.map { _ in at }, observation.attestationSignature,
                observation.attestationSignature.flatMap { _ in observation.continuity?.rawValue },
                observation.attestationSignature.flatMap { _ in observation.attestationKeyID }, observation.id,
                observation.errorMessage,
            ])
        return true
    }
}
