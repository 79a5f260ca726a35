import GRDB
import VantageCore

/// Enrolled agents, watched targets and approvers' signed approvals.
struct RegistryStore: Sendable {
    let database: CoordinatorDatabase
    let directory: Directory

    /// Loads agents and active targets into the ``Directory``.
    func loadDirectory() async throws {
        let contents = try await storage("load directory") {
            try await database.writer.read { db in
                var contents = Directory.Contents()
                for row in try Row.fetchAll(db, sql: "SELECT id, region, public_key FROM agents WHERE removed_at IS NULL") {
                    let key = try PublicIdentity(base64: row["public_key"])
                    contents.agents[row["id"]] = AgentEnrollment(id: row["id"], region: row["region"], publicKey: key)
                }
                for spec in try Self.activeTargets(db) { contents.put(target: spec) }
                return contents
            }
        }
        directory.replace(contents)
    }

    /// Who enrols agents from the configuration file (admin API enrolments carry the admin token's name).
    static let configuration = "configuration"

    /// Inserts or updates an agent's enrolment (its region and key); a removed agent enrolled again is back. An admin's
    /// enrolment that changes anything is an `agent_added` event naming the token (the configuration file's are not,
    /// like the targets it lists).
    func enroll(_ agent: AgentEnrollment, now: Timestamp, by: String = RegistryStore.configuration, channels: [String] = []) async throws {
        try await storage("enroll agent") {
            try await database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO agents(id, region, public_key, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET region = excluded.region, public_key = excluded.public_key,
                            removed_at = NULL, enrolled_by = excluded.enrolled_by
                        WHERE region IS NOT excluded.region OR public_key IS NOT excluded.public_key OR removed_at IS NOT NULL
                            OR enrolled_by IS NOT excluded.enrolled_by
                        """,
                    arguments: [agent.id, agent.region, agent.publicKey.base64, now.seconds, by])
                // Its views count again (or in another region) and exported policies change: every target and pin.
                guard db.changesCount > 0 else { return }
                try Self.markEverything(db)
                guard by != Self.configuration else { return }
                try Self.record(
                    db, .agentAdded, agent: agent.id, by: by, channels: channels, now: now,
                    "agent \(agent.id) enrolled in region \(agent.region) by \(by) (key id \(agent.publicKey.keyID.prefix(16))): its observations count toward consensus and it is listed in exported trust policies")
            }
        }
        directory.put(agent: agent)
    }

    /// Removes an agent from consensus, ingest and exported trust policies (its history stays), with an
    /// `agent_removed` event naming who did it. Returns `false` when no enrolled agent has `id`.
    func remove(agent id: String, by: String, now: Timestamp, channels: [String]) async throws -> Bool {
        let removed = try await storage("remove agent") {
            try await database.writer.write { db in
                try db.execute(sql: "UPDATE agents SET removed_at = ? WHERE id = ? AND removed_at IS NULL", arguments: [now.seconds, id])
                guard db.changesCount > 0 else { return false }
                try Self.markEverything(db)
                try Self.record(
                    db, .agentRemoved, agent: id, by: by, channels: channels, now: now,
                    "agent \(id) removed by \(by): it no longer counts toward consensus and leaves exported trust policies")
                return true
            }
        }
        if removed { directory.remove(agent: id) }
        return removed
    }

    /// Stores an agent's enrolment or removal as an event naming who made it. Info: a decision, not a condition (a
    /// removed agent's open `agent_silent` alert is resolved by the next consensus round).
    private static func record(
        _ db: Database, _ kind: VantageEvent.Kind, agent id: String, by: String, channels: [String], now: Timestamp, _ message: String
    ) throws {
        let event = VantageEvent(
            id: ConsensusEvents.eventID(target: "agent:" + id, kind: kind, now: now, digest: by), kind: kind, severity: .info,
            target: nil, at: now, message: message, details: ["agent": id, "by": by])
        _ = try EventStore.insert(db, [event], channels: channels, nowMillis: now.seconds * 1000)
    }

    /// Removes the agents the configuration file once enrolled and no longer lists (API enrolments stay).
    func removeUnconfiguredAgents(keeping ids: Set<String>, now: Timestamp, channels: [String]) async throws {
        let stale = try await storage("read agents") {
            try await database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM agents WHERE removed_at IS NULL AND enrolled_by = ?", arguments: [Self.configuration])
            }
        }
        for id in stale where !ids.contains(id) { _ = try await remove(agent: id, by: Self.configuration, now: now, channels: channels) }
    }

    /// What ``add(_:now:allowSourceChange:channels:)`` did.
    enum AddOutcome: Equatable {
        case added, reactivated, unchanged
        /// The same source with another `changes` policy (`oci`/`file`): decided again.
        case policyChanged
        /// The id existed with another source: the old source's spans were closed and a critical event recorded.
        case sourceChanged(old: String)
    }

    /// Adds a target, or re-activates a removed one with the same source.
    ///
    /// An id is bound to its source (kind, normalised URL, GUN): attestations, spans and pins belong to that
    /// source. Through the admin API (`allowSourceChange` false) an existing id with another source is refused,
    /// so nobody holding an admin token can re-point agents at another repository under a pinned name. The
    /// operator's own configuration may change it (`allowSourceChange` true): then nothing carries over — every
    /// current span of the target is closed, the old pin stops counting — and a critical `source_changed` event
    /// names both sources.
    @discardableResult
    func add(_ spec: TargetSpec, now: Timestamp, allowSourceChange: Bool, channels: [String] = []) async throws -> AddOutcome {
        guard let source = spec.source else { throw CoordinatorError(.malformedRequest, "target \(spec.id): url cannot be normalised") }
        let outcome: AddOutcome = try await storage("add target") {
            try await database.writer.write { db in
                let existing = try Row.fetchOne(
                    db, sql: "SELECT id, kind, url, gun, repository, tag, changes, removed_at FROM targets WHERE id = ?", arguments: [spec.id])
                var outcome = AddOutcome.added
                if let existing {
                    let old = Self.spec(existing)
                    let removed = (existing["removed_at"] as Int64?) != nil
                    if old.source == source {
                        // A new change policy is a new decision for the target, not a new source.
                        outcome = removed ? .reactivated : old.changes == spec.changes ? .unchanged : .policyChanged
                    } else {
                        guard allowSourceChange else {
                            throw CoordinatorError(.conflict,
                                "target \(spec.id) exists with source \(old.source.map(String.init(describing:)) ?? old.url); a target's source never changes through the API: add the new repository under a new id")
                        }
                        outcome = .sourceChanged(old: old.source.map(String.init(describing:)) ?? old.url)
                        // The old source's attestations sign the old source: never published for the new one.
                        try db.execute(
                            sql: "UPDATE spans SET is_current = 0, attestation_signature = NULL, attestation_continuity = NULL WHERE target = ?",
                            arguments: [spec.id])
                        let event = ConsensusEvents.sourceChanged(
                            target: spec.id, from: old.source.map(String.init(describing:)) ?? old.url, to: source, now: now)
                        try ConsensusStore.saveAlerts(db, [.init(.source, spec.id): ConsensusPlanner.AlertValue.changed.rawValue])
                        _ = try EventStore.insert(db, [event], channels: channels, nowMillis: now.seconds * 1000)
                    }
                }
                try db.execute(
                    sql: """
                        INSERT INTO targets(id, kind, url, gun, repository, tag, changes, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, url = excluded.url, gun = excluded.gun,
                            repository = excluded.repository, tag = excluded.tag, changes = excluded.changes, removed_at = NULL
                        """,
                    arguments: [spec.id, spec.kind.rawValue, spec.url, spec.gun, spec.repository, spec.tag, spec.changes?.rawValue, now.seconds])
                if outcome != .unchanged {
                    try ConsensusStore.markDue(db, target: spec.id)
                    try PinListStore.refresh(db, target: spec.id)
                }
                return outcome
            }
        }
        directory.put(target: spec)
        return outcome
    }

    /// Applies `consensus.immutable_tags` to the targets already stored — added through the API before a pattern was
    /// configured: each `oci` target that names no change policy and whose tag matches is held from now on (decided
    /// again, its pin rebuilt, exported as `changes: hold`), and an `admin_action` event says so.
    /// - Returns: the ids now held.
    @discardableResult
    func holdImmutableTags(_ tags: ImmutableTags, now: Timestamp, channels: [String]) async throws -> [String] {
        guard !tags.patterns.isEmpty else { return [] }
        let stored = try await storage("read targets") { try await database.writer.read(Self.activeTargets) }
        var held: [String] = []
        for spec in stored {
            let applied = tags.applied(to: spec)
            guard applied.changes != spec.changes else { continue }
            try await add(applied, now: now, allowSourceChange: false, channels: channels)
            let message = "target \(spec.id) changes set to hold by consensus.immutable_tags (tag \(spec.tag ?? ""))"
            let event = VantageEvent(
                id: ConsensusEvents.eventID(target: spec.id, kind: .adminAction, now: now, digest: message), kind: .adminAction,
                severity: .info, target: spec.id, at: now, message: message, details: ["by": "consensus.immutable_tags"])
            _ = try await storage("record event") {
                try await database.writer.write { db in try EventStore.insert(db, [event], channels: channels, nowMillis: now.seconds * 1000) }
            }
            held.append(spec.id)
        }
        return held
    }

    /// Marks a target removed (history and pins are kept). Returns `false` when no active target has `id`.
    func remove(target id: String, now: Timestamp) async throws -> Bool {
        let removed = try await storage("remove target") {
            try await database.writer.write { db in
                try db.execute(
                    sql: "UPDATE targets SET removed_at = ? WHERE id = ? AND removed_at IS NULL", arguments: [now.seconds, id])
                guard db.changesCount > 0 else { return false }
                try ConsensusStore.unschedule(db, target: id)
                try PinListStore.refresh(db, target: id)
                return true
            }
        }
        if removed { directory.remove(target: id) }
        return removed
    }

    /// Records an approver's signed approval of `sha256` for `target` at `source` (it may precede the digest's
    /// appearance). The caller has verified the signature against the configured approvers.
    func approve(target: String, source: RepositorySource, sha256: String, approval: Approval, note: String?, now: Timestamp) async throws {
        try await storage("approve") {
            try await database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO signed_approvals(target, source, sha256, approver, approved_at, signature, note, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(target, source, sha256, approver) DO UPDATE SET approved_at = excluded.approved_at,
                            signature = excluded.signature, note = excluded.note, received_at = excluded.received_at
                        """,
                    arguments: [
                        target, source.storageKey, sha256, approval.approver, approval.approvedAt.seconds, approval.signature, note,
                        now.seconds,
                    ])
                try ConsensusStore.markDue(db, target: target)
                try PinListStore.refresh(db, target: target)
            }
        }
    }

    /// The stored approvals of `targets` (every target when `nil`): target → source → digest → approvals.
    static func approvals(_ db: Database, targets: [String]? = nil) throws -> [String: [String: [String: [Approval]]]] {
        var result: [String: [String: [String: [Approval]]]] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT target, source, sha256, approver, approved_at, signature FROM signed_approvals"
                + (targets.map { " WHERE target IN (\(databaseQuestionMarks(count: $0.count)))" } ?? "") + " ORDER BY target, sha256, approver",
            arguments: StatementArguments(targets ?? []))
        for row in rows {
            let approval = Approval(approver: row["approver"], approvedAt: Timestamp(seconds: row["approved_at"]), signature: row["signature"])
            result[row["target"], default: [:]][row["source"], default: [:]][row["sha256"], default: []].append(approval)
        }
        return result
    }

    /// Every target to decide again and every pin to rebuild: the set of agents changed (an agent's attestations
    /// stop or start counting), or the configuration may have (start-up).
    static func markEverything(_ db: Database) throws {
        try ConsensusStore.markAllDue(db)
        try PinListStore.refreshAll(db)
    }

    /// ``markEverything(_:)`` in a transaction of its own (start-up).
    func markEverything() async throws {
        try await storage("schedule every target") { try await database.writer.write(Self.markEverything) }
    }

    static func activeTargets(_ db: Database) throws -> [TargetSpec] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM targets WHERE removed_at IS NULL ORDER BY id").map(spec)
    }

    /// The specs of `ids` that exist (removed ones too unless `activeOnly`), by id.
    static func targets(_ db: Database, ids: [String], activeOnly: Bool) throws -> [String: TargetSpec] {
        guard !ids.isEmpty else { return [:] }
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT \(columns) FROM targets WHERE id IN (\(databaseQuestionMarks(count: ids.count)))"
                + (activeOnly ? " AND removed_at IS NULL" : ""),
            arguments: StatementArguments(ids))
        return Dictionary(rows.map { (($0["id"] as String), spec($0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// The `targets` columns ``spec(_:)`` reads.
    private static let columns = "id, kind, url, gun, repository, tag, changes"

    private static func spec(_ row: Row) -> TargetSpec {
        TargetSpec(
            id: row["id"], kind: TargetSpec.Kind(rawValue: row["kind"]) ?? .tuf, url: row["url"], gun: row["gun"],
            repository: row["repository"], tag: row["tag"], changes: (row["changes"] as String?).flatMap(ChangePolicy.init(rawValue:)))
    }

    /// The enrolled agents (not removed), by id: id, region and base64 public key.
    static func activeAgents(_ db: Database) throws -> [(id: String, region: String, publicKey: String)] {
        try Row.fetchAll(db, sql: "SELECT id, region, public_key FROM agents WHERE removed_at IS NULL ORDER BY id").map { ($0[0], $0[1], $0[2]) }
    }
}
