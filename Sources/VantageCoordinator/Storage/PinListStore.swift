import Foundation
import GRDB
import VantageCore
import VantageTUF

/// Published pin lists: every header (the hash chain) forever, and the pins of the latest list a row per target
/// (`published_pins`), so a publication writes the header and the pins it changed — never the whole list.
///
/// Retention: older lists' bodies are not kept (a header names its Merkle root; `GET /v1/pins/V` serves the latest
/// list and, from memory, the one before it, so a client that read a header just before a publication still gets
/// its proof). Lists stored by releases before incremental publication keep their stored bodies until pruned.
struct PinListStore: Sendable {
    let database: CoordinatorDatabase

    /// The latest list's header fields, inside a caller's transaction.
    struct Head {
        var version: Int64
        var digest: String
        var expires: Int64
        var issuedAt: Int64
    }

    static func latestHead(_ db: Database) throws -> Head? {
        try Row.fetchOne(db, sql: "SELECT version, digest, expires, issued_at FROM pin_lists ORDER BY version DESC LIMIT 1").map {
            Head(version: $0[0], digest: $0[1], expires: $0[2], issuedAt: $0[3])
        }
    }

    /// Bodies of pre-v4 lists kept besides the latest (they are pruned as new headers arrive).
    static let legacyBodyRetention: Int64 = 16

    /// Stores a new list's header (the pins it changed go in with it: ``applyPublication(_:_:)``).
    static func insert(_ db: Database, _ published: PublishedPinList) throws {
        let header = published.header.signed
        try db.execute(
            sql: """
                INSERT INTO pin_lists(version, header_json, digest, body_json, etag, issued_at, expires)
                VALUES (?, ?, ?, x'', ?, ?, ?)
                """,
            arguments: [header.version, Data(published.headerBody), published.digest, published.etag, header.issuedAt.seconds, header.expires.seconds])
        try db.execute(
            sql: "UPDATE pin_lists SET body_json = x'' WHERE version <= ? AND length(body_json) > 0",
            arguments: [header.version - legacyBodyRetention])
    }

    /// What one publication writes (``applyPublication(_:_:)``).
    struct Publication {
        var plan: PublicationPlan
        /// The new list, when the plan changed pins or the header was due for re-signing.
        var published: PublishedPinList?
        var channels: [String]
        var now: Timestamp
    }

    /// Applies a publication in the caller's write transaction: the new list's header, the rewritten pin rows (a
    /// changed pin's JSON is the new list's bytes; a dropped or left-out one has none), the rescheduled rows of pins
    /// rebuilt to the same bytes, the changed `unsupported` conditions, and the events.
    /// - Returns: the events as stored.
    static func applyPublication(_ db: Database, _ publication: Publication) throws -> [VantageEvent] {
        let plan = publication.plan
        if let published = publication.published { try insert(db, published) }
        for (target, refreshAt) in plan.rows {
            var json: [UInt8] = []
            if case .some(.some) = plan.changes[target], let body = publication.published?.pinBody(for: target) { json = body }
            try db.cachedStatement(
                sql: """
                    INSERT INTO published_pins(target, pin_json, refresh_at) VALUES (?, ?, ?)
                    ON CONFLICT(target) DO UPDATE SET pin_json = excluded.pin_json, refresh_at = excluded.refresh_at
                    """
            ).execute(arguments: [target, Data(json), refreshAt])
        }
        for (target, at) in plan.kept {
            try db.cachedStatement(sql: "UPDATE published_pins SET refresh_at = ? WHERE target = ?").execute(arguments: [at, target])
        }
        try ConsensusStore.saveAlerts(db, plan.alerts)
        return try EventStore.insert(db, plan.events, channels: publication.channels, nowMillis: publication.now.seconds * 1000)
    }

    /// The agents' stored attestations of `targets` observed at or after `since`, by enrolled (not removed) agents:
    /// each with the digest it attests, the agent's region and the id of the key ingest verified it under, bound to
    /// the source it was verified for (``VantageCore/PublicationPlanner/verifiedKeyID(_:source:)``; `nil` for rows
    /// stored before key ids were kept).
    static func attestations(
        _ db: Database, targets: [String], since: Timestamp
    ) throws -> [(target: String, sha256: String, region: String, attestation: Attestation, keyID: String?)] {
        guard !targets.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT s.target, s.outcome, s.agent, a.region, s.attestation_observed_at, s.attestation_signature, s.attestation_continuity,
                    s.attestation_key_id
                FROM spans s JOIN agents a ON a.id = s.agent
                WHERE s.target IN (\(databaseQuestionMarks(count: targets.count))) AND s.attestation_signature IS NOT NULL
                    AND s.attestation_observed_at >= ? AND a.removed_at IS NULL
                """,
            arguments: StatementArguments(targets) + [since.seconds]
        ).compactMap { row in
            guard let continuity = (row[6] as String?).flatMap(Continuity.init(rawValue:)) else { return nil }
            return (row[0], row[1], row[3], Attestation(agent: row[2], observedAt: Timestamp(seconds: row[4]), continuity: continuity, signature: row[5]), row[7])
        }
    }

    /// Targets whose published pin needs fresh attestations by `now` (or whose left-out pin is retried).
    static func refreshDue(_ db: Database, now: Timestamp, limit: Int) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT target FROM published_pins WHERE refresh_at <= ? ORDER BY refresh_at LIMIT ?", arguments: [now.seconds, limit])
    }

    /// Makes every pinned target due for publication (start-up: the trust policy or the agents may have changed).
    static func refreshAll(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO published_pins(target, pin_json, refresh_at) SELECT DISTINCT target, x'', 0 FROM pins WHERE true
            ON CONFLICT(target) DO UPDATE SET refresh_at = 0
            """)
    }

    /// Makes one target due for publication (removed, re-pointed, or its pin changed).
    static func refresh(_ db: Database, target: String) throws {
        try db.execute(
            sql: """
                INSERT INTO published_pins(target, pin_json, refresh_at) VALUES (?, x'', 0)
                ON CONFLICT(target) DO UPDATE SET refresh_at = 0
                """,
            arguments: [target])
    }

    /// The signed header of list `version` (kept for every version), as served.
    func header(version: Int64) async throws -> [UInt8]? {
        try await storage("read pin list header") {
            try await database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT header_json FROM pin_lists WHERE version = ?", arguments: [version]).map(Array.init)
            }
        }
    }

    /// The latest list, assembled from its header and `published_pins`; a database from before incremental
    /// publication is read from its stored body instead.
    func loadLatest() async throws -> PublishedPinList? {
        let loaded = try await storage("read pin list") {
            try await database.writer.read { db -> (header: Data, body: Data, pins: [Data])? in
                guard let row = try Row.fetchOne(db, sql: "SELECT header_json, body_json FROM pin_lists ORDER BY version DESC LIMIT 1")
                else { return nil }
                let pins = try Data.fetchAll(db, sql: "SELECT pin_json FROM published_pins WHERE length(pin_json) > 0 ORDER BY target")
                return (row[0], row[1], pins)
            }
        }
        guard let loaded else { return nil }
        do {
            if !loaded.body.isEmpty { return try PublishedPinList(list: try Canonical.decode(PinList.self, from: Array(loaded.body))) }
            let header = try Canonical.decode(SignedPinListHeader.self, from: Array(loaded.header))
            let pins = try loaded.pins.map { try Canonical.decode(Pin.self, from: Array($0)) }
                .sorted { $0.target.utf8.lexicographicallyPrecedes($1.target.utf8) }
            let list = try PublishedPinList(list: PinList(header: header, pins: pins))
            // The rows must be the pins the stored header signed.
            guard ByteEncoding.hexEncode(list.tree.root) == header.signed.merkleRoot, pins.count == header.signed.pinCount else {
                throw CoordinatorError(.storage, "the stored pins do not match the Merkle root of pin list v\(header.signed.version)")
            }
            return list
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.storage, "stored latest pin list does not decode: \(error)")
        }
    }

    /// A stored pre-v4 body of list `version`, if still kept.
    func load(version: Int64) async throws -> PublishedPinList? {
        let body = try await storage("read pin list") {
            try await database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT body_json FROM pin_lists WHERE version = ?", arguments: [version])
            }
        }
        guard let body, !body.isEmpty else { return nil }
        do {
            return try PublishedPinList(list: try Canonical.decode(PinList.self, from: Array(body)))
        } catch {
            throw CoordinatorError(.storage, "stored pin list v\(version) does not decode: \(error)")
        }
    }
}
