import Foundation
import GRDB
import VantageCore
import VantageTUF

/// Read-only queries behind the query API (`/v1/targets`, `/v1/agents`, `/v1/status`, `/v1/policy`).
struct QueryStore: Sendable {
    let database: CoordinatorDatabase

    /// Status of every active target (or only `id`), with each agent's current view.
    /// - Parameter published: the digest the latest published list carries for a target.
    func targets(only id: String? = nil, published: (String) -> String?) async throws -> [TargetStatus] {
        let rows = try await storage("read targets") {
            try await database.writer.read { db in
                let specs = try RegistryStore.activeTargets(db).filter { id == nil || $0.id == id }
                var states: [String: Row] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT * FROM target_state WHERE ?1 IS NULL OR target = ?1", arguments: [id])
                {
                    states[row["target"]] = row
                }
                var views: [String: [SupporterView]] = [:]
                let spanRows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT s.target, s.agent, a.region, s.outcome, s.error_message, s.first_seen, s.last_seen
                        FROM spans s JOIN agents a ON a.id = s.agent
                        WHERE s.is_current = 1 AND a.removed_at IS NULL AND (?1 IS NULL OR s.target = ?1) ORDER BY s.agent
                        """,
                    arguments: [id])
                for row in spanRows {
                    let outcome = SpanOutcome(rawValue: row["outcome"])
                    views[row["target"], default: []].append(
                        SupporterView(
                            agent: row["agent"], region: row["region"], sha256: outcome.sha256,
                            error: outcome.errorKind, errorMessage: row["error_message"],
                            observedAt: Timestamp(seconds: row["last_seen"]), since: Timestamp(seconds: row["first_seen"])))
                }
                // The latest pin made for each target's current source, with facts from its stored bytes.
                var pins: [String: (Row, RootFingerprint?)] = [:]
                var contents: [String: [ContentFacts]] = [:]
                for spec in specs {
                    let pin = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT sha256, version, classification, pinned_at, approved_by, source FROM pins
                            WHERE target = ? ORDER BY seq DESC LIMIT 1
                            """,
                        arguments: [spec.id]
                    ).flatMap { (($0["source"] as String?) == spec.source?.storageKey) ? $0 : nil }
                    if !spec.kind.isRoot {
                        let digests = [pin?["sha256"], states[spec.id]?["leading"]].compactMap { $0 as String? }
                            + (views[spec.id] ?? []).compactMap(\.sha256)
                        contents[spec.id] = try StoredContentFacts.facts(Set(digests), kind: spec.kind, in: db)
                    }
                    guard let pin else { continue }
                    let bytes = spec.kind.isRoot ? try Blobs.bytes(pin["sha256"], in: db) : nil
                    pins[spec.id] = (pin, bytes.flatMap { try? Root.parse($0) }.map(RootFingerprint.init))
                }
                return (specs, states, views, pins, contents)
            }
        }
        let (specs, states, views, pins, contents) = rows
        return try specs.map { spec in
            let state = states[spec.id]
            let reasons: [String] = try (state?["reasons"] as String?).map {
                try Canonical.decode([String].self, from: Array($0.utf8))
            } ?? []
            return TargetStatus(
                spec: spec, status: try state?.decode(TargetStatus.Status.self, forColumn: "status") ?? .unobserved,
                pinned: try pins[spec.id].map { row, fingerprint in
                    let sha256: String = row["sha256"]
                    return PinnedSummary(
                        sha256: sha256, version: row["version"], expires: fingerprint?.expires ?? "", rootKeys: fingerprint?.rootKeys ?? [],
                        classification: try row.decode(forColumn: "classification"), pinnedAt: Timestamp(seconds: row["pinned_at"]), approvedBy: row["approved_by"],
                        published: published(spec.id) == sha256, content: contents[spec.id]?.first { $0.sha256 == sha256 })
                },
                leading: state?["leading"],
                classification: try state?.decode(PinClassification?.self, forColumn: "classification"), reasons: reasons, views: views[spec.id] ?? [],
                contents: contents[spec.id])
        }
    }

    /// The stored approvals of one active target's current source; `nil` for an unknown target.
    func approvals(_ spec: TargetSpec) async throws -> ApprovalSet? {
        guard let source = spec.source else { return nil }
        return try await storage("read approvals") {
            try await database.writer.read { db in
                let stored = try RegistryStore.approvals(db, targets: [spec.id])[spec.id]?[source.storageKey] ?? [:]
                return ApprovalSet(
                    target: spec.id, source: source,
                    digests: stored.keys.sorted().map { ApprovalSet.Entry(sha256: $0, approvals: stored[$0] ?? []) })
            }
        }
    }

    /// Spans and pins of one target (including a removed one), oldest first, and for an `oci` or `file` target its
    /// digest timeline counted against `quorum`; `nil` for an unknown target.
    func history(_ id: String, quorum: Int) async throws -> TargetHistory? {
        try await storage("read history") {
            try await database.writer.read { db in
                guard let kind = try String.fetchOne(db, sql: "SELECT kind FROM targets WHERE id = ?", arguments: [id]) else { return nil }
                var enrolled: [Bool] = []
                let spans = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT s.agent, s.outcome, s.error_message, s.first_seen, s.last_seen, s.count, a.removed_at IS NULL AS enrolled
                        FROM spans s JOIN agents a ON a.id = s.agent WHERE s.target = ? ORDER BY s.first_seen, s.id
                        """,
                    arguments: [id]
                ).map {
                    enrolled.append($0["enrolled"])
                    return SpanRecord(
                        agent: $0["agent"], outcome: SpanOutcome(rawValue: $0["outcome"]), errorMessage: $0["error_message"], firstSeen: Timestamp(seconds: $0["first_seen"]),
                        lastSeen: Timestamp(seconds: $0["last_seen"]), count: $0["count"])
                }
                // A removed agent's sightings stay in `spans` but do not count towards the quorum's (it may have been
                // removed for what it reported).
                let content = TargetSpec.Kind(rawValue: kind).map { !$0.isRoot } ?? false
                let digests = content ? DigestSighting.timeline(of: zip(spans, enrolled).filter(\.1).map(\.0), quorum: quorum) : nil
                let pins = try Row.fetchAll(
                    db, sql: "SELECT sha256, version, classification, pinned_at, approved_by FROM pins WHERE target = ? ORDER BY seq",
                    arguments: [id]
                ).map {
                    PinHistoryEntry(
                        sha256: $0["sha256"], version: $0["version"], classification: try $0.decode(forColumn: "classification"),
                        pinnedAt: Timestamp(seconds: $0["pinned_at"]), approvedBy: $0["approved_by"])
                }
                let actions = try String.fetchAll(
                    db, sql: "SELECT json FROM events WHERE target = ? AND kind = ? ORDER BY cursor", arguments: [id, VantageEvent.Kind.adminAction.rawValue]
                ).map { try Canonical.decode(VantageEvent.self, from: Array($0.utf8)) }
                return TargetHistory(target: id, spans: spans, pins: pins, actions: actions, quorum: content ? quorum : nil, digests: digests)
            }
        }
    }

    /// Every enrolled agent with its last observation and health (`silent` when older than `maxAgeSeconds`).
    func agents(now: Timestamp, maxAgeSeconds: Int64) async throws -> [AgentStatus] {
        try await storage("read agents") {
            try await database.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT id, region, public_key, last_seen FROM agents WHERE removed_at IS NULL ORDER BY id").map { row in
                    let lastSeen = (row["last_seen"] as Int64?).map { Timestamp(seconds: $0) }
                    let health: AgentStatus.Health = lastSeen.map { $0 < now.adding(seconds: -maxAgeSeconds) ? .silent : .healthy } ?? .neverSeen
                    return AgentStatus(
                        id: row["id"], region: row["region"], publicKey: try PublicIdentity(base64: row["public_key"]),
                        lastSeen: lastSeen, health: health)
                }
            }
        }
    }

    /// The trust policy clients of this coordinator should use.
    func trustPolicy(
        identity: SigningIdentity, consensus: ConsensusPolicy, approvals: TrustPolicyBuilder.Approvals, minPinListVersion: Int64
    ) async throws -> TrustPolicy {
        try await storage("read policy") {
            try await database.writer.read { db in
                try TrustPolicyBuilder.policy(
                    db, identity: identity, consensus: consensus, approvals: approvals, minPinListVersion: minPinListVersion)
            }
        }
    }

    /// Number of active targets in each consensus status, and the number of silent agents.
    func counts() async throws -> (targets: [String: Int], agents: Int, silentAgents: Int) {
        try await storage("read counts") {
            try await database.writer.read { db in
                var targets: [String: Int] = [:]
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT coalesce(s.status, ?) AS status, count(*) AS n
                        FROM targets t LEFT JOIN target_state s ON s.target = t.id
                        WHERE t.removed_at IS NULL GROUP BY 1
                        """,
                    arguments: [TargetStatus.Status.unobserved.rawValue])
                for row in rows { targets[row["status"]] = row["n"] }
                let agents = try Int.fetchOne(db, sql: "SELECT count(*) FROM agents WHERE removed_at IS NULL") ?? 0
                let silent = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM alert_state WHERE key LIKE ? AND value = ?",
                    arguments: [ConsensusPlanner.AlertKey.Kind.silent.rawValue + ":%", ConsensusPlanner.AlertValue.silent.rawValue]) ?? 0
                return (targets, agents, silent)
            }
        }
    }

    /// The stored root bytes for `sha256`.
    func blob(_ sha256: String) async throws -> [UInt8]? {
        try await storage("read blob") { try await database.writer.read { db in try Blobs.bytes(sha256, in: db) } }
    }

    /// The stored root bytes for each of `digests` that has some.
    func blobs(_ digests: some Collection<String> & Sendable) async throws -> [String: [UInt8]] {
        try await storage("read blobs") {
            try await database.writer.read { db in
                var found: [String: [UInt8]] = [:]
                for sha256 in digests { found[sha256] = try Blobs.bytes(sha256, in: db) }
                return found
            }
        }
    }
}
