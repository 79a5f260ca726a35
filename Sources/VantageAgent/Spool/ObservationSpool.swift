import Foundation
import GRDB
import VantageCore
import VantageTUF

/// The durable spool: every signed observation is committed here before any delivery attempt, and stays until
/// each configured coordinator has acknowledged it (accepted, duplicate, or permanently rejected).
///
/// Sequence numbers come from the same transaction that stores the observation, so they increase strictly
/// across restarts. When the spool holds more than `maxRows` observations the oldest are dropped and counted.
public struct ObservationSpool: Sendable {
    let database: AgentDatabase
    public let maxRows: Int

    public init(database: AgentDatabase, maxRows: Int) {
        self.database = database
        self.maxRows = maxRows
    }

    /// One spooled observation ready to send to one coordinator.
    public struct Entry: Sendable {
        public var id: String
        public var target: String
        public var sha256: String?
        public var observation: SignedObservation
    }

    /// What ``appendDurably(_:coordinators:identity:observe:)`` did.
    public struct Appended: Sendable {
        public var id: String
        public var sequence: Int64
        /// Oldest observations dropped to stay within `maxRows`.
        public var dropped: Int
    }

    /// Assigns the next sequence number, has `observe` write the observation with it, signs that with `identity` and
    /// stores it for every coordinator, in one transaction shared with other concurrent writers (``GroupCommit``):
    /// returns once the observation is committed and durable. The observation is encoded once: its signature and its
    /// idempotency id are over the same canonical bytes.
    public func appendDurably(
        _ probe: ProbeResult, coordinators: [String], identity: SigningIdentity,
        observe: @escaping @Sendable (ProbeResult, Int64) throws -> Observation
    ) async throws -> Appended {
        do {
            return try await database.commits.write { db in
                try appendRows(db, probe, coordinators: coordinators, identity: identity, observe: observe)
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.spool, "spool append: \(error)")
        }
    }

    func appendRows(
        _ db: Database, _ probe: ProbeResult, coordinators: [String], identity: SigningIdentity,
        observe: (ProbeResult, Int64) throws -> Observation
    ) throws -> Appended {
        let sequence = (try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sequence'") ?? 0) + 1
        let statement = try CanonicalStatement(try observe(probe, sequence))
        // Root bytes are attached per coordinator at delivery time.
        let signed = try SignedObservation(signing: statement, with: identity)
        let id = statement.id
        try db.execute(
            sql: "INSERT INTO observation (id, sequence, target, sha256, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, sequence, probe.target, probe.fingerprint?.sha256 ?? probe.content?.sha256, Data(try Canonical.encode(signed)),
                probe.observedAt.seconds])
        for coordinator in coordinators {
            try db.execute(
                sql: "INSERT INTO pending (coordinator, observation_id, sequence) VALUES (?, ?, ?)",
                arguments: [coordinator, id, sequence])
        }
        if let sha = probe.fingerprint?.sha256 ?? probe.content?.sha256, let bytes = probe.rootBytes {
            try db.execute(sql: "INSERT OR IGNORE INTO root_blob (sha256, bytes) VALUES (?, ?)", arguments: [sha, Data(bytes)])
        }
        try db.execute(
            sql: "INSERT INTO meta (key, value) VALUES ('sequence', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [sequence])
        let dropped = try dropOldest(db, newest: sequence)
        return Appended(id: id, sequence: sequence, dropped: dropped)
    }

    /// Drops the oldest observations beyond `maxRows`. `newest` is the sequence number just stored: the spool
    /// holds at most `newest - oldest + 1` observations, so the full count (a scan) is only needed when that span
    /// exceeds the bound; the oldest sequence comes from the index.
    func dropOldest(_ db: Database, newest: Int64) throws -> Int {
        let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(sequence) FROM observation") ?? newest
        guard newest - oldest + 1 > Int64(maxRows) else { return 0 }
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observation") ?? 0
        let excess = count - maxRows
        guard excess > 0 else { return 0 }
        try db.execute(
            sql: "DELETE FROM observation WHERE id IN (SELECT id FROM observation ORDER BY sequence LIMIT ?)", arguments: [excess])
        try db.execute(
            sql: "INSERT INTO meta (key, value) VALUES ('dropped', ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            arguments: [excess])
        try pruneBlobs(db)
        return excess
    }

    /// The oldest `limit` observations still owed to `coordinator`, with root bytes attached when that
    /// coordinator has not acknowledged the digest for the target yet.
    public func batch(for coordinator: String, limit: Int) throws -> [Entry] {
        try wrap("read batch") {
            try database.writer.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT o.id, o.target, o.sha256, o.body,
                        CASE WHEN a.sha256 IS NULL THEN b.bytes END AS root
                    FROM pending p JOIN observation o ON o.id = p.observation_id
                    LEFT JOIN acked_digest a ON a.coordinator = p.coordinator AND a.target = o.target AND a.sha256 = o.sha256
                    LEFT JOIN root_blob b ON b.sha256 = o.sha256
                    WHERE p.coordinator = ? ORDER BY p.sequence LIMIT ?
                    """, arguments: [coordinator, limit])
                return try rows.map { row in
                    var observation = try Canonical.decode(SignedObservation.self, from: [UInt8](row["body"] as Data))
                    if let root: Data = row["root"] { observation.rootBytes = ByteEncoding.base64Encode(Array(root)) }
                    return Entry(id: row["id"], target: row["target"], sha256: row["sha256"], observation: observation)
                }
            }
        }
    }

    /// Records `coordinator`'s receipt: the listed observations are no longer owed to it; accepted digests are
    /// remembered so their root bytes are not sent again.
    public func settle(coordinator: String, accepted: [Entry], rejected: [Entry]) throws {
        try wrap("settle") {
            try database.writer.write { db in
                for entry in accepted + rejected {
                    try db.execute(sql: "DELETE FROM pending WHERE coordinator = ? AND observation_id = ?", arguments: [coordinator, entry.id])
                }
                for entry in accepted {
                    if let sha = entry.sha256 {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO acked_digest (coordinator, target, sha256) VALUES (?, ?, ?)",
                            arguments: [coordinator, entry.target, sha])
                    }
                }
                try db.execute(sql: "DELETE FROM observation WHERE NOT EXISTS (SELECT 1 FROM pending p WHERE p.observation_id = observation.id)")
                try pruneBlobs(db)
            }
        }
    }

    func pruneBlobs(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM root_blob WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE o.sha256 = root_blob.sha256)")
    }

    /// Observations in the spool (owed to at least one coordinator).
    public func depth() throws -> Int {
        try wrap("count") { try database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM observation") ?? 0 } }
    }

    /// Observations dropped since the spool was created.
    public func droppedTotal() throws -> Int {
        try wrap("count") { try database.writer.read { try Int.fetchOne($0, sql: "SELECT value FROM meta WHERE key = 'dropped'") ?? 0 } }
    }

    /// Coordinators that still have obligations in the spool but are no longer configured get theirs removed.
    public func forget(coordinatorsExcept current: [String]) throws {
        try wrap("forget") {
            try database.writer.write { db in
                let marks = databaseQuestionMarks(count: current.count)
                try db.execute(sql: "DELETE FROM pending WHERE coordinator NOT IN (\(current.isEmpty ? "''" : marks))",
                    arguments: StatementArguments(current))
                try db.execute(sql: "DELETE FROM observation WHERE NOT EXISTS (SELECT 1 FROM pending p WHERE p.observation_id = observation.id)")
                try pruneBlobs(db)
            }
        }
    }

    func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.spool, "spool \(what): \(error)")
        }
    }
}
