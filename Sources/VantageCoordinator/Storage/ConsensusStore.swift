import Foundation
import GRDB
import VantageCore
import VantageTUF

/// Every SQL statement of consensus: which targets need deciding, their snapshot, and applying a plan.
///
/// A target needs deciding when `target_state.due_at` has come: ingest, admin actions and start-up set it to 0
/// (``markDue(_:target:)``, ``markAllDue(_:)``), and each applied plan sets it to the plan's ``TargetPlan/due``.
/// `revision` counts those marks, so a plan made from a snapshot that a later ingest overtook leaves its target
/// due instead of clearing it.
enum ConsensusStore {
    /// What a round read for one batch of targets, besides the snapshots themselves.
    struct Batch {
        var snapshots: [TargetSnapshot] = []
        /// `target_state.revision` when read.
        var revisions: [String: Int64] = [:]
        /// ``VantageCore/RepositorySource/storageKey`` of each target's current source.
        var sources: [String: String] = [:]
        /// Each target's kind (events of `file` targets name their keys: ``ContentEventDetails``).
        var kinds: [String: TargetSpec.Kind] = [:]
    }

    /// Those of `approvals` of (`target`, `source`, `sha256`) that verify under the configured approvers, and their
    /// approvers: what consensus counts and what a published pin carries.
    static func verifiedApprovals(
        _ approvals: [Approval], target: String, source: RepositorySource, sha256: String, rules: TrustPolicyBuilder.Approvals,
        now: Timestamp
    ) -> (approvals: [Approval], approvers: Set<String>) {
        let check = ApprovalVerifier.valid(
            approvals, target: target, source: source, sha256: sha256, approvers: rules.approvers,
            notAfter: now.adding(seconds: ConsensusPolicy.skewSeconds))
        return (approvals.filter { check.approvers.contains($0.approver) }, check.approvers)
    }

    // MARK: Marking

    /// Marks `target` for the next round (its views, approvals or registration changed).
    static func markDue(_ db: Database, target: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO target_state(target, status, reasons, updated_at, due_at) VALUES (?, 'unobserved', '[]', 0, 0)
                ON CONFLICT(target) DO UPDATE SET due_at = 0, revision = revision + 1
                """
        ).execute(arguments: [target])
    }

    /// Marks every target (an agent left or came back, or the configuration may have changed).
    static func markAllDue(_ db: Database) throws {
        try db.execute(sql: "UPDATE target_state SET due_at = 0, revision = revision + 1")
    }

    /// A removed target is never due (its state and history stay).
    static func unschedule(_ db: Database, target: String) throws {
        try db.execute(sql: "UPDATE target_state SET due_at = NULL WHERE target = ?", arguments: [target])
    }

    // MARK: Loading

    /// Up to `limit` active targets due at `now`, earliest first.
    static func dueTargets(_ db: Database, now: Timestamp, limit: Int) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT s.target FROM target_state s JOIN targets t ON t.id = s.target
                WHERE s.due_at <= ? AND t.removed_at IS NULL ORDER BY s.due_at LIMIT ?
                """,
            arguments: [now.seconds, limit])
    }

    /// The snapshot of each of `targets`: only their rows are read.
    static func load(
        _ db: Database, targets: [String], roots: RootCache, approvalRules: TrustPolicyBuilder.Approvals, now: Timestamp
    ) throws -> Batch {
        var batch = Batch()
        guard !targets.isEmpty else { return batch }
        let marks = databaseQuestionMarks(count: targets.count)
        let ids = StatementArguments(targets)
        let specs = try RegistryStore.targets(db, ids: targets, activeOnly: false)
        batch.sources = specs.compactMapValues { $0.source?.storageKey }
        batch.kinds = specs.mapValues(\.kind)
        var previous: [String: TargetState] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT target, status, leading, classification, reasons, revision FROM target_state WHERE target IN (\(marks))",
            arguments: ids)
        {
            let target: String = row[0]
            batch.revisions[target] = row[5]
            let reasons = (try? JSONDecoder().decode([String].self, from: Data((row[4] as String).utf8))) ?? []
            previous[target] = TargetState(
                status: ConsensusDecision.Status(rawValue: row[1]), leading: row[2],
                classification: (row[3] as String?).flatMap(PinClassification.init(rawValue:)), reasons: reasons)
        }
        let views = try loadViews(db, marks: marks, ids: ids)
        let pins = try latestPins(db, targets: targets)
        var digests: [String: Set<String>] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT DISTINCT target, outcome FROM spans WHERE target IN (\(marks)) AND outcome NOT LIKE ?",
            arguments: ids + [SpanOutcome.errorPrefix + "%"])
        {
            digests[row[0], default: []].insert(row[1])
        }
        var alerts: [String: [ConsensusPlanner.AlertKey: String]] = [:]
        for (key, value) in try Self.alerts(db, keys: targets.flatMap(ConsensusPlanner.AlertKey.ofTarget)) {
            alerts[key.subject, default: [:]][key] = value
        }
        let stored = approvalRules.approvers.isEmpty ? [:] : try RegistryStore.approvals(db, targets: targets)
        for target in targets {
            guard let spec = specs[target] else { continue }
            // A pin made for another source (the target's URL changed) never carries over; its seq still counts.
            let latestPin = pins[target]
            let pin = latestPin.flatMap { $0.source == batch.sources[target] ? ConsensusEvaluator.CurrentPin(sha256: $0.sha256) : nil }
            let seen = digests[target, default: []].union(pin.map { [$0.sha256] } ?? [])
            var known: [String: Root] = [:]
            var content: TargetSnapshot.Content?
            if spec.kind.isRoot {
                for digest in seen {
                    if let root = try roots.root(digest, in: db) { known[digest] = root }
                }
            } else {
                // A manifest's or file's bytes are never parsed as a root: what counts is that they are held.
                content = TargetSnapshot.Content(changes: spec.changePolicy, stored: try Blobs.stored(Array(seen), in: db))
            }
            var approved: [String: Set<String>] = [:]
            if let source = spec.source, let byDigest = stored[target]?[source.storageKey] {
                for (digest, approvals) in byDigest {
                    let approvers = verifiedApprovals(approvals, target: target, source: source, sha256: digest, rules: approvalRules, now: now).approvers
                    if approvers.count >= approvalRules.threshold { approved[digest] = approvers }
                }
            }
            batch.snapshots.append(TargetSnapshot(
                target: target, views: views[target] ?? [], pin: pin, nextSeq: (latestPin?.seq ?? 0) + 1, roots: known,
                approved: approved, previous: previous[target], alerts: alerts[target] ?? [:], content: content))
        }
        return batch
    }

    /// The current view of each enrolled agent, by target.
    private static func loadViews(_ db: Database, marks: String, ids: StatementArguments) throws -> [String: [AgentView]] {
        var views: [String: [AgentView]] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.agent, a.region, s.target, s.outcome, s.first_seen, s.last_seen, s.attestation_observed_at,
                    s.attestation_signature, s.attestation_continuity, s.error_message
                FROM spans s JOIN agents a ON a.id = s.agent
                WHERE s.target IN (\(marks)) AND s.is_current = 1 AND a.removed_at IS NULL
                """,
            arguments: ids)
        // Columns by position, in the SELECT's order (name lookups are case-folded per access).
        for row in rows {
            let agent: String = row[0]
            let outcome = SpanOutcome(rawValue: row[3])
            let attestation: Attestation? = (row[7] as String?).flatMap { signature in
                (row[8] as String?).flatMap(Continuity.init(rawValue:)).map {
                    Attestation(agent: agent, observedAt: Timestamp(seconds: row[6]), continuity: $0, signature: signature)
                }
            }
            views[row[2], default: []].append(
                AgentView(
                    agent: agent, region: row[1], sha256: outcome.sha256, errorKind: outcome.errorKind, errorMessage: row[9],
                    observedAt: Timestamp(seconds: row[5]), since: Timestamp(seconds: row[4]),
                    attestation: outcome.sha256 == nil ? nil : attestation))
        }
        return views
    }

    /// When each enrolled agent last reported.
    static func agentsLastSeen(_ db: Database) throws -> [String: Timestamp] {
        var seen: [String: Timestamp] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, last_seen FROM agents WHERE last_seen IS NOT NULL AND removed_at IS NULL") {
            seen[row[0]] = Timestamp(seconds: row[1])
        }
        return seen
    }

    /// The latest pin made for each of `targets` that has one: its digest, sequence number and source's storage key.
    static func latestPins(_ db: Database, targets: [String]) throws -> [String: (sha256: String, seq: Int64, source: String?)] {
        guard !targets.isEmpty else { return [:] }
        var pins: [String: (sha256: String, seq: Int64, source: String?)] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT target, max(seq), sha256, source FROM pins WHERE target IN (\(databaseQuestionMarks(count: targets.count))) GROUP BY target",
            arguments: StatementArguments(targets))
        {
            pins[row[0]] = (row[2], row[1], row[3])
        }
        return pins
    }

    /// The stored conditions of `keys` that have one (read in chunks: a batch has several keys per target).
    static func alerts(_ db: Database, keys: [ConsensusPlanner.AlertKey]) throws -> [ConsensusPlanner.AlertKey: String] {
        var alerts: [ConsensusPlanner.AlertKey: String] = [:]
        for start in stride(from: 0, to: keys.count, by: 1000) {
            let chunk = keys[start..<min(start + 1000, keys.count)]
            for row in try Row.fetchAll(
                db, sql: "SELECT key, value FROM alert_state WHERE key IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments(chunk.map(\.description)))
            {
                if let key = ConsensusPlanner.AlertKey(stored: row[0]) { alerts[key] = row[1] }
            }
        }
        return alerts
    }

    /// Resolves the open alerts of a removed target (``VantageCore/ConsensusPlanner/removal(target:stored:now:)``).
    /// Returns the events stored.
    static func closeAlerts(
        _ db: Database, target: String, planner: ConsensusPlanner, channels: [String], now: Timestamp
    ) throws -> [VantageEvent] {
        let closed = planner.removal(target: target, stored: try alerts(db, keys: ConsensusPlanner.AlertKey.ofTarget(target)), now: now)
        try saveAlerts(db, closed.alerts)
        return try EventStore.insert(db, closed.events, channels: channels, nowMillis: now.seconds * 1000)
    }

    /// Stored alert conditions of one kind (agents' `silent`, pins' `unsupported`).
    static func alerts(_ db: Database, kind: ConsensusPlanner.AlertKey.Kind) throws -> [ConsensusPlanner.AlertKey: String] {
        var alerts: [ConsensusPlanner.AlertKey: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM alert_state WHERE key LIKE ?", arguments: [kind.rawValue + ":%"]) {
            if let key = ConsensusPlanner.AlertKey(stored: row[0]) { alerts[key] = row[1] }
        }
        return alerts
    }

    /// Active targets by stored status, and how many of them wait for approvers' signatures (gauges).
    struct StatusCounts: Sendable {
        var statuses: [String: Int] = [:]
        var awaitingApprovers = 0
        /// Active targets by kind: changes only when targets are added or removed, when the counts are read whole.
        var kinds: [String: Int] = [:]

        /// The counts after `plans` (made from `batch`) are applied: each target leaves its previous status.
        mutating func apply(_ plans: [TargetPlan], batch: Batch) {
            let previous = Dictionary(batch.snapshots.map { ($0.target, $0.previous) }, uniquingKeysWith: { a, _ in a })
            for plan in plans {
                if case let old?? = previous[plan.target] {
                    statuses[old.statusText, default: 0] -= 1
                    if old.held != nil { awaitingApprovers -= 1 }
                }
                statuses[plan.state.statusText, default: 0] += 1
                if plan.state.held != nil { awaitingApprovers += 1 }
            }
        }
    }

    /// ``StatusCounts`` read whole (once, and after targets were added or removed).
    static func statusCounts(_ db: Database) throws -> StatusCounts {
        var counts = StatusCounts()
        let held = PinClassification.allCases.filter(\.needsApprovers).map(\.rawValue)
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT s.status, s.classification IN (\(databaseQuestionMarks(count: held.count))), count(*) FROM target_state s
                JOIN targets t ON t.id = s.target AND t.removed_at IS NULL GROUP BY 1, 2
                """,
            arguments: StatementArguments(held))
        {
            let status: String = row[0]
            let count: Int = row[2]
            counts.statuses[status, default: 0] += count
            if status == ConsensusDecision.Status.pending.rawValue, (row[1] as Bool?) == true { counts.awaitingApprovers += count }
        }
        for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) FROM targets WHERE removed_at IS NULL GROUP BY 1") {
            counts.kinds[row[0], default: 0] += row[1] as Int
        }
        return counts
    }
}
