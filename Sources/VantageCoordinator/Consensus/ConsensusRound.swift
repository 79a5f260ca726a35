import Foundation
import GRDB
import VantageCore
import VantageTUF

/// One consensus round over every active target, run inside one write transaction so pins, target states,
/// events, outbox rows and the published pin list change together or not at all.
///
/// Per target: the latest view of each agent (current spans) → ``ConsensusEvaluator/decide(views:pin:roots:approved:now:)``
/// → a new pin row on `.pin` → ``ConsensusEvents/events(target:previous:decision:pinned:now:)``. Then health
/// transitions (root and certificate expiry, silent agents) and, when the pinned set changed or the current list
/// is past half its lifetime, a new pin list, verified against the coordinator's own trust policy before it is stored.
struct ConsensusRound {
    var policy: ConsensusPolicy
    var approvalRules: TrustPolicyBuilder.Approvals
    var now: Timestamp
    var identity: SigningIdentity
    var pinListLifetimeSeconds: Int64
    var channels: [String]
    var roots: RootCache
    /// Target → pinned digest in the latest published list (to detect changes).
    var publishedPins: [String: String]

    struct Outcome {
        var events: [VantageEvent] = []
        var published: PublishedPinList?
        /// Pins in the published list that lack a verifiable quorum of fresh attestations.
        var weakPins: [String] = []
        var statusCounts: [String: Int] = [:]
        var newPins = 0
        /// Unix expiry of each active target's pinned root (a gauge, so alerts fire on the state, not on an edge).
        var rootExpiry: [String: Double] = [:]
        /// Unix time each enrolled agent last reported.
        var agentsLastSeen: [String: Int64] = [:]
        /// Targets whose leading root waits for approvers' signatures.
        var pendingApprovals = 0
    }

    struct CurrentPin {
        var sha256: String
        var seq: Int64
        var classification: String
        var firstPinnedAt: Int64
        /// ``VantageCore/RepositorySource/storageKey`` of the source this pin was made for.
        var source: String?
    }

    func run(_ db: Database) throws -> Outcome {
        var outcome = Outcome()
        let targets = try RegistryStore.activeTargets(db)
        let views = try loadViews(db)
        // A pin made for another source (the target's URL changed) never carries over; its seq still counts.
        let stored = try loadPins(db)
        var pins = stored.filter { entry in targets.first { $0.id == entry.key }?.source?.storageKey == entry.value.source }
        let approvals = try loadApprovals(db, targets: targets)
        let previous = try Dictionary(
            Row.fetchAll(db, sql: "SELECT target, status, leading, classification FROM target_state").map { row in
                let status = ConsensusDecision.Status(rawValue: row["status"])
                let classification: String? = row["classification"]
                let held: String? = status == .pending && (classification == "replaced" || classification == "unchained") ? row["leading"] : nil
                return (row["target"] as String, (status: status, held: held))
            },
            uniquingKeysWith: { a, _ in a })
        var digests: [String: Set<String>] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT DISTINCT target, outcome FROM spans WHERE outcome NOT LIKE 'error:%'") {
            digests[row["target"], default: []].insert(row["outcome"])
        }
        var alertState = try Dictionary(
            Row.fetchAll(db, sql: "SELECT key, value FROM alert_state").map { ($0["key"] as String, $0["value"] as String) },
            uniquingKeysWith: { a, _ in a })
        let loadedAlertState = alertState
        let evaluator = ConsensusEvaluator(policy: policy)

        for target in targets {
            var known: [String: Root] = [:]
            for digest in digests[target.id, default: []].union(pins[target.id].map { [$0.sha256] } ?? []) {
                if let root = try roots.root(digest, in: db) { known[digest] = root }
            }
            let targetViews = views[target.id] ?? []
            let approved = approvals[target.id]?.approved ?? [:]
            var pin = pins[target.id]
            var decision = evaluator.decide(
                views: targetViews, pin: pin.map { .init(sha256: $0.sha256) }, roots: known, approved: Set(approved.keys), now: now)
            outcome.events += ConsensusEvents.events(
                target: target.id, previous: previous[target.id]?.status, held: previous[target.id]?.held, decision: decision,
                pinned: pin?.sha256, now: now)
            if case .pin(let digest, let classification) = decision.action, let root = known[digest] {
                // The approvers whose signatures admitted it (recorded only where the agents did not attest a chain).
                let approvedBy: String? = approved[digest].map { $0.sorted().joined(separator: ",") }
                let sourceKey = target.source?.storageKey
                let next = CurrentPin(
                    sha256: digest, seq: (stored[target.id]?.seq ?? 0) + 1, classification: classification, firstPinnedAt: now.seconds,
                    source: sourceKey)
                try db.execute(
                    sql: """
                        INSERT INTO pins(target, seq, sha256, version, classification, pinned_at, approved_by, first_pinned_at, source)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [target.id, next.seq, digest, root.version, classification, now.seconds, approvedBy, now.seconds, sourceKey])
                pin = next
                pins[target.id] = next
                outcome.newPins += 1
                decision = evaluator.decide(
                    views: targetViews, pin: .init(sha256: digest), roots: known, approved: Set(approved.keys), now: now)
                outcome.events += ConsensusEvents.events(
                    target: target.id, previous: .changing, decision: decision, pinned: digest, now: now)
            }
            let status = targetViews.isEmpty && pin == nil ? "unobserved" : decision.status.rawValue
            outcome.statusCounts[status, default: 0] += 1
            try saveState(db, target: target.id, status: status, decision: decision)
            if let pin, let root = known[pin.sha256] {
                outcome.events += expiryEvents(target: target.id, root: root, state: &alertState)
                outcome.rootExpiry[target.id] = root.expires.timeIntervalSince1970
            }
            if decision.status == .pending, decision.classification == "replaced" || decision.classification == "unchained" {
                outcome.pendingApprovals += 1
            }
        }
        outcome.events += try silenceEvents(db, state: &alertState, lastSeenByAgent: &outcome.agentsLastSeen)

        let active = Dictionary(targets.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let pinned = pins.filter { active[$0.key] != nil }
        let head = try PinListStore.latestHead(db)
        // Clients count attestations at most max_age old at their own clock: re-sign with fresh attestations well
        // inside that (every quarter of max_age), and before half of the list's lifetime is gone.
        let stale = head.map {
            $0.expires - now.seconds < pinListLifetimeSeconds / 2 || now.seconds - $0.issuedAt >= max(1, policy.maxAgeSeconds / 4)
        } ?? true
        if stale || pinned.mapValues(\.sha256) != publishedPins {
            (outcome.published, outcome.weakPins) = try publish(
                db, pins: pinned, targets: active, head: head, approvals: approvals)
            outcome.events += unsupportedEvents(pinned: Set(pinned.keys), weak: Set(outcome.weakPins), state: &alertState)
        }
        try saveAlertState(db, alertState.filter { loadedAlertState[$0.key] != $0.value })
        outcome.events = try EventStore.insert(
            db, outcome.events, channels: channels, nowMillis: now.seconds * 1000)
        return outcome
    }

    // MARK: Loading

    private func loadViews(_ db: Database) throws -> [String: [AgentView]] {
        var views: [String: [AgentView]] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.agent, a.region, s.target, s.outcome, s.first_seen, s.last_seen, s.attestation_observed_at,
                    s.attestation_signature, s.attestation_continuity
                FROM spans s JOIN agents a ON a.id = s.agent WHERE s.is_current = 1 AND a.removed_at IS NULL
                """)
        // Columns by position, in the SELECT's order: one row per current span of every target, so name lookups
        // (case-folded per access) were a noticeable part of a large round.
        for row in rows {
            let agent: String = row[0]
            let outcome: String = row[3]
            let isError = outcome.hasPrefix("error:")
            let attestation: Attestation? = (row[7] as String?).flatMap { signature in
                (row[8] as String?).flatMap(Continuity.init(rawValue:)).map {
                    Attestation(agent: agent, observedAt: Timestamp(seconds: row[6]), continuity: $0, signature: signature)
                }
            }
            views[row[2], default: []].append(
                AgentView(
                    agent: agent, region: row[1], sha256: isError ? nil : outcome,
                    errorKind: isError ? String(outcome.dropFirst("error:".count)) : nil,
                    observedAt: Timestamp(seconds: row[5]), since: Timestamp(seconds: row[4]),
                    attestation: isError ? nil : attestation))
        }
        return views
    }

    private func loadPins(_ db: Database) throws -> [String: CurrentPin] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT target, seq, sha256, classification, first_pinned_at, source FROM pins p
                WHERE seq = (SELECT max(seq) FROM pins q WHERE q.target = p.target)
                """)
        return Dictionary(
            rows.map {
                ($0["target"] as String,
                 CurrentPin(
                    sha256: $0["sha256"], seq: $0["seq"], classification: $0["classification"], firstPinnedAt: $0["first_pinned_at"],
                    source: $0["source"]))
            }, uniquingKeysWith: { a, _ in a })
    }

    /// Per target, the stored approvals of its current source that verify under the configured approvers.
    struct TargetApprovals {
        /// Digest → its valid approvals.
        var valid: [String: [Approval]] = [:]
        /// Digest → approver ids, for digests that reach the threshold.
        var approved: [String: Set<String>] = [:]
    }

    private func loadApprovals(_ db: Database, targets: [TargetSpec]) throws -> [String: TargetApprovals] {
        guard !approvalRules.approvers.isEmpty else { return [:] }
        let stored = try RegistryStore.approvals(db)
        var result: [String: TargetApprovals] = [:]
        for target in targets {
            guard let source = target.source, let digests = stored[target.id]?[source.storageKey] else { continue }
            var entry = TargetApprovals()
            for (digest, approvals) in digests {
                let check = ApprovalVerifier.valid(
                    approvals, target: target.id, source: source, sha256: digest, approvers: approvalRules.approvers,
                    notAfter: now.adding(seconds: 300))
                let valid = approvals.filter { check.approvers.contains($0.approver) }
                entry.valid[digest] = valid
                if check.approvers.count >= approvalRules.threshold { entry.approved[digest] = check.approvers }
            }
            result[target.id] = entry
        }
        return result
    }

    // MARK: State

    private func saveState(_ db: Database, target: String, status: String, decision: ConsensusDecision) throws {
        let reasons = String(decoding: try Canonical.encode(decision.reasons), as: UTF8.self)
        // Cached statements: a round runs these once per target, and compiling them each time was a tenth of it.
        try db.cachedStatement(
            sql: """
                INSERT INTO target_state(target, status, leading, classification, reasons, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(target) DO UPDATE SET status = excluded.status, leading = excluded.leading,
                    classification = excluded.classification, reasons = excluded.reasons, updated_at = excluded.updated_at
                WHERE status IS NOT excluded.status OR leading IS NOT excluded.leading
                    OR classification IS NOT excluded.classification OR reasons IS NOT excluded.reasons
                """
        ).execute(arguments: [target, status, decision.leading, decision.classification, reasons, now.seconds])
    }

    /// Writes the entries that changed in this round.
    private func saveAlertState(_ db: Database, _ changed: [String: String]) throws {
        for (key, value) in changed {
            try db.cachedStatement(
                sql: "INSERT INTO alert_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            ).execute(arguments: [key, value])
        }
    }

    // MARK: Health transitions

    /// Root and certificate expiry of the pinned root, raised when the condition first appears for that digest.
    private func expiryEvents(target: String, root: Root, state: inout [String: String]) -> [VantageEvent] {
        let warnBefore = now.adding(seconds: Int64(policy.expiryWarningDays) * 86_400)
        let digest = root.sha256
        func condition(_ date: Date) -> String {
            let at = Timestamp(date)
            return at <= now ? "expired:\(digest)" : at <= warnBefore ? "expiring:\(digest)" : "ok"
        }
        var events: [VantageEvent] = []
        let details = ["sha256": digest, "version": String(root.version)]
        let rootCondition = condition(root.expires)
        if state["expiry:\(target)"] != rootCondition {
            state["expiry:\(target)"] = rootCondition
            if rootCondition.hasPrefix("expired") {
                events.append(event(.rootExpired, .critical, target: target, "pinned root expired at \(root.expiresText)", details))
            } else if rootCondition.hasPrefix("expiring") {
                events.append(event(.rootExpiring, .warning, target: target, "pinned root expires at \(root.expiresText)", details))
            }
        }
        let notAfter = root.rootRole.keyIDs.compactMap { root.keys[$0]?.certificate?.notAfter }.min()
        let certificateCondition = notAfter.map(condition) ?? "ok"
        if state["certificate:\(target)"] != certificateCondition {
            state["certificate:\(target)"] = certificateCondition
            if let notAfter, certificateCondition != "ok" {
                let expired = certificateCondition.hasPrefix("expired")
                events.append(event(
                    .certificateExpiring, expired ? .critical : .warning, target: target,
                    "a root key certificate \(expired ? "expired" : "expires") at \(Timestamp(notAfter))", details))
            }
        }
        return events
    }

    /// Agents whose last observation is older than `max_age`: raised once when an agent falls silent, and a
    /// recovery when it reports again.
    private func silenceEvents(_ db: Database, state: inout [String: String], lastSeenByAgent: inout [String: Int64]) throws -> [VantageEvent] {
        var events: [VantageEvent] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, last_seen FROM agents WHERE last_seen IS NOT NULL AND removed_at IS NULL") {
            let agent: String = row["id"]
            let lastSeen = Timestamp(seconds: row["last_seen"])
            lastSeenByAgent[agent] = lastSeen.seconds
            let condition = lastSeen < now.adding(seconds: -policy.maxAgeSeconds) ? "silent" : "ok"
            let key = "silent:\(agent)"
            guard state[key, default: "ok"] != condition else { continue }
            state[key] = condition
            let details = ["agent": agent, "last_seen": lastSeen.description]
            events.append(
                condition == "silent"
                    ? event(.agentSilent, .warning, target: nil, "agent \(agent) has not reported since \(lastSeen)", details, subject: "agent:\(agent)")
                    : event(.recovered, .info, target: nil, "agent \(agent) reports again", details, subject: "agent:\(agent)"))
        }
        return events
    }

    private func event(
        _ kind: VantageEvent.Kind, _ severity: VantageEvent.Severity, target: String?, _ message: String,
        _ details: [String: String], subject: String? = nil
    ) -> VantageEvent {
        VantageEvent(
            id: ConsensusEvents.eventID(target: subject ?? target ?? "", kind: kind, now: now, digest: details["sha256"] ?? ""),
            kind: kind, severity: severity, target: target, at: now, message: message, details: details)
    }

    // MARK: Pin list

    private func publish(
        _ db: Database, pins: [String: CurrentPin], targets: [String: TargetSpec],
        head: (version: Int64, digest: String, expires: Int64, issuedAt: Int64)?, approvals: [String: TargetApprovals]
    ) throws -> (PublishedPinList, [String]) {
        var candidates: [String: [AttestationSelection.Candidate]] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.target, s.outcome, s.agent, a.region, s.attestation_observed_at, s.attestation_signature,
                    s.attestation_continuity
                FROM spans s JOIN agents a ON a.id = s.agent
                WHERE s.attestation_signature IS NOT NULL AND s.attestation_observed_at >= ? AND a.removed_at IS NULL
                """,
            arguments: [now.seconds - policy.maxAgeSeconds])
        for row in rows {
            let target: String = row[0]
            guard pins[target]?.sha256 == row[1], let continuity = (row[6] as String?).flatMap(Continuity.init(rawValue:)) else { continue }
            let attestation = Attestation(
                agent: row[2], observedAt: Timestamp(seconds: row[4]), continuity: continuity, signature: row[5])
            candidates[target, default: []].append(.init(attestation: attestation, region: row[3]))
        }
        let verifier = PinListVerifier(policy: try trustPolicy(db))
        var list: [Pin] = []
        var weak: [String] = []
        for (target, pin) in pins {
            guard let spec = targets[target], let source = spec.source else { continue }
            // Region-aware and bounded: each supporting agent's best attestation, chosen so quorum and min_regions
            // hold whenever the stored fresh attestations allow it. An attestation stays usable for max_age even when
            // its agent now sees another root: the pin does not move without a quorum (or approvers), and clients
            // bound the window at their own clock.
            guard let supporting = AttestationSelection.select(
                candidates[target] ?? [], quorum: policy.quorum, minRegions: policy.minRegions, bound: 2 * policy.quorum)
            else {
                weak.append(target)
                continue
            }
            var published = Pin(target: target, source: source, sha256: pin.sha256, attestations: supporting)
            if verifier.verifyPin(published, expected: .init(target: target, source: source), issuedAt: now, now: now) != nil {
                published.approvals = approvals[target]?.valid[pin.sha256] ?? []
            }
            // Never publish a pin that clients would refuse: report it instead.
            guard verifier.verifyPin(published, expected: .init(target: target, source: source), issuedAt: now, now: now) == nil else {
                weak.append(target)
                continue
            }
            list.append(published)
        }
        let built = try PinList.build(
            pins: list, version: (head?.version ?? 0) + 1, issuedAt: now, lifetimeSeconds: pinListLifetimeSeconds,
            previous: head?.digest ?? "", policy: policy, identity: identity)
        let state = head.map { [identity.publicKey.keyID: PinListVerifier.Accepted(version: $0.version, digest: $0.digest)] } ?? [:]
        if case .failure(let failure) = verifier.verify(built, expectations: [], state: state, now: now) {
            throw CoordinatorError(.pinListRejected, "built pin list v\(built.header.signed.version) fails verification: \(failure)")
        }
        let published = try PublishedPinList(list: built)
        try PinListStore.insert(db, published)
        return (published, weak.sorted())
    }

    /// `pin_unsupported` when a pinned target first cannot be published with a verifiable quorum, `recovered` when
    /// it can again.
    private func unsupportedEvents(pinned: Set<String>, weak: Set<String>, state: inout [String: String]) -> [VantageEvent] {
        var events: [VantageEvent] = []
        for target in pinned.sorted() {
            let condition = weak.contains(target) ? "unsupported" : "ok"
            let key = "unsupported:\(target)"
            guard state[key, default: "ok"] != condition else { continue }
            state[key] = condition
            events.append(
                condition == "unsupported"
                    ? event(.pinUnsupported, .critical, target: target,
                        "pin of \(target) left out of the pin list: its stored fresh attestations do not meet quorum \(policy.quorum) from \(policy.minRegions) regions (or it lacks approvals)",
                        [:])
                    : event(.recovered, .info, target: target, "pin of \(target) is published again", [:]))
        }
        return events
    }

    /// The trust policy a client of this coordinator uses (`GET /v1/policy`), read inside the transaction.
    func trustPolicy(_ db: Database, minPinListVersion: Int64 = 0) throws -> TrustPolicy {
        try TrustPolicyBuilder.policy(
            db, identity: identity, consensus: policy, approvals: approvalRules, minPinListVersion: minPinListVersion)
    }
}
