import VantageTUF

/// What ``ConsensusEvaluator`` rules read and write for one target: the inputs, the fresh votes ranked by digest,
/// and the decision the rules build up.
struct Ballot {
    let policy: ConsensusPolicy
    let pin: ConsensusEvaluator.CurrentPin?
    let approved: Set<String>
    let now: Timestamp
    let classify: (String) -> ConsensusEvaluator.Classified
    /// An `oci` or `file` target's change policy; `nil` for roots.
    let changes: ChangePolicy?
    /// One vote per agent: of an agent's fresh views only the latest (trust property 1, distinct agents).
    let fresh: [AgentView]
    /// Digests by number of supporters (most first, ties by digest).
    let ranked: [(digest: String, supporters: [AgentView])]
    var decision: ConsensusDecision
    /// The leading digest's classification, once ``ClassificationRule`` has run.
    var classified: ConsensusEvaluator.Classified?

    init(
        views: [AgentView], pin: ConsensusEvaluator.CurrentPin?, approved: Set<String>, now: Timestamp, policy: ConsensusPolicy,
        changes: ChangePolicy?, classify: @escaping (String) -> ConsensusEvaluator.Classified
    ) {
        (self.policy, self.pin, self.approved, self.now, self.changes, self.classify) = (policy, pin, approved, now, changes, classify)
        var latest: [String: AgentView] = [:]
        for view in views where view.observedAt >= now.adding(seconds: -policy.maxAgeSeconds) && view.observedAt <= now.adding(seconds: ConsensusPolicy.skewSeconds) {
            if let seen = latest[view.agent], seen.observedAt >= view.observedAt { continue }
            latest[view.agent] = view
        }
        fresh = latest.values.sorted { $0.agent < $1.agent }
        var byDigest: [String: [AgentView]] = [:]
        for view in fresh { if let digest = view.sha256 { byDigest[digest, default: []].append(view) } }
        // Content that moved leads with its newest digest among equals; roots keep digest order.
        let newest = changes == nil ? [:] : byDigest.mapValues { $0.map(\.since).max()! }
        ranked = byDigest.sorted {
            if $0.value.count != $1.value.count { return $0.value.count > $1.value.count }
            if let a = newest[$0.key], let b = newest[$1.key], a != b { return a > b }
            return $0.key < $1.key
        }
        .map { (digest: $0.key, supporters: $0.value) }
        decision = ConsensusDecision(
            status: .noConsensus, action: .keep, leading: nil, supporters: [], dissenters: [], failing: fresh.filter { $0.sha256 == nil },
            classification: nil, reasons: [])
    }

    /// The leading digest and its supporters (rules after ``ReportsRootRule`` only).
    var top: (digest: String, supporters: [AgentView]) { ranked[0] }

    /// Agents that see the pinned root, a verified successor of it (re-signed or chained rotation) or a digest the
    /// approvers signed in advance see an expected root: during a planned change some agents poll before others,
    /// and that is not a split view (no page for it).
    func expected(_ digest: String) -> Bool {
        if approved.contains(digest) { return true }
        guard let pin else { return false }
        if digest == pin.sha256 { return true }
        let kind = classify(digest).kind
        return kind == .resigned || kind == .rotated
    }

    /// Whether two groups of views of different digests were served at once. Content has no signed successor: a tag
    /// that moved is seen by each agent at its own poll, so only a view whose span (`since` to `observedAt`)
    /// overlaps a span of the other digest (by more than a shared second) is a split view; roots are always compared (their expected successors are
    /// recognised by signatures instead).
    func contemporaneous(_ some: [AgentView], _ others: [AgentView]) -> Bool {
        guard changes != nil else { return true }
        // Strictly: times are whole seconds, and a tag that moves between two polls in one second is not two answers at
        // once; a real split view outlasts a poll interval, so its spans soon overlap by more.
        return some.contains { a in others.contains { b in a.since < b.observedAt && b.since < a.observedAt } }
    }

    /// Temporal quorum: since when `quorum` agents from `min_regions` regions have all seen the leading digest
    /// continuously (the earliest `since` at which the supporters seen so far satisfy both counts).
    var agreedSince: Timestamp {
        var regions = Set<String>()
        for (n, view) in top.supporters.sorted(by: { $0.since < $1.since }).enumerated() {
            regions.insert(view.region)
            if policy.quorumRule.isMet(agents: n + 1, regions: regions) { return view.since }
        }
        return now
    }

    /// Settles the decision as `status`, with `reason` (if any) as its last reason.
    mutating func settle(_ status: ConsensusDecision.Status, _ reason: String? = nil) -> RuleResult {
        decision.status = status
        if let reason { decision.reasons.append(reason) }
        return .settled
    }
}

/// Whether a rule settled the decision or passes it to the next rule.
enum RuleResult {
    case next, settled
}

/// One named consensus rule (after swift-certificates' `VerifierPolicy`): it reads the ballot, adds its reasons to
/// the decision, and settles it or passes it on. ``ConsensusEvaluator/rules`` runs them in order.
protocol ConsensusRule: Sendable {
    func apply(_ ballot: inout Ballot) -> RuleResult
}

/// Without a fresh observation that reports a root there is nothing to agree on.
struct ReportsRootRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        ballot.ranked.isEmpty ? ballot.settle(.noConsensus, "no fresh observation reports a root") : .next
    }
}

/// Digests tied for the lead are a split view, unless every one of them is an expected root.
struct NoTieRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let top = ballot.top.supporters.count
        let tied = ballot.ranked.filter { $0.supporters.count == top }
        guard tied.count > 1, !tied.allSatisfy({ ballot.expected($0.digest) }) else { return .next }
        guard tied.dropFirst().contains(where: { ballot.contemporaneous(ballot.top.supporters, $0.supporters) }) else {
            ballot.decision.unsettledInTime = true
            return .next
        }
        ballot.decision.dissenters = ballot.fresh.filter { $0.sha256 != nil }
        return ballot.settle(.splitView, "\(ballot.ranked.count) digests tie with \(top) agents each")
    }
}

/// Names the leading digest, its supporters and its dissenters; agents on another expected root while the leader is
/// expected too are a change in progress, not dissent.
struct LeaderRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let top = ballot.top
        ballot.decision.leading = top.digest
        ballot.decision.supporters = top.supporters.sorted { $0.agent < $1.agent }
        let others = ballot.fresh.filter { $0.sha256 != nil && $0.sha256 != top.digest }.sorted { $0.agent < $1.agent }
        let dissenters = others.filter { ballot.contemporaneous([$0], top.supporters) }
        if dissenters.count < others.count {
            ballot.decision.unsettledInTime = true
            ballot.decision.reasons.append(
                "\(others.count - dissenters.count) agents saw another digest before or after every view of the leading one: it moved, not a split view")
        }
        ballot.decision.dissenters = dissenters
        guard ballot.expected(top.digest) else { return .next }
        let alongChange = dissenters.filter { ballot.expected($0.sha256!) }
        if !alongChange.isEmpty {
            ballot.decision.dissenters = dissenters.filter { !ballot.expected($0.sha256!) }
            ballot.decision.reasons.append("\(alongChange.count) agents still see another expected root (the pinned one, a verified successor or an approved digest): change in progress")
        }
        return .next
    }
}

/// More dissenters than `max_dissent` is a split view.
struct DissentRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let dissenters = ballot.decision.dissenters.count
        guard dissenters > ballot.policy.maxDissent else { return .next }
        return ballot.settle(.splitView, "\(dissenters) fresh agents see other roots (max_dissent \(ballot.policy.maxDissent))")
    }
}

/// The leader needs `quorum` supporters in `min_regions` regions.
struct LeaderQuorumRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let (policy, supporters) = (ballot.policy, ballot.top.supporters)
        let regions = Set(supporters.map(\.region)).count
        guard !policy.quorumRule.isMet(agents: supporters.count, regions: supporters.map(\.region)) else { return .next }
        return ballot.settle(
            .noConsensus,
            "\(supporters.count) agents in \(regions) regions support the leading root; need \(policy.quorum) in \(policy.minRegions)")
    }
}

/// Classifies the leader against the pin: the pinned root is agreed, an invalid one waits.
struct ClassificationRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let classified = ballot.classify(ballot.top.digest)
        ballot.classified = classified
        ballot.decision.classification = classified.kind
        ballot.decision.reasons.append(contentsOf: classified.reasons)
        switch classified.kind {
        case .same: return ballot.settle(.agreed)
        case .invalid: return ballot.settle(.pending)
        default: return .next
        }
    }
}

/// Clients count agents' own verdicts, not the coordinator's classification: a replacement, or a root without a
/// quorum of verified continuations (or first sights) from its supporters, needs approvers' signatures, and then
/// the `unchained` hold.
struct UnchainedRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let (policy, top, kind) = (ballot.policy, ballot.top, ballot.classified!.kind)
        let continuing = top.supporters.filter { view in
            view.attestation?.continuity.supportsPin(under: ballot.changes) ?? false
        }
        let continuationQuorum = policy.quorumRule.isMet(agents: continuing.count, regions: continuing.map(\.region))
        let held = kind == .replaced || kind == .changed
        guard held || !continuationQuorum else { return .next }
        guard ballot.approved.contains(top.digest) else {
            // The agents' word decides what clients accept: a root they attest unchained is held like a replacement.
            if !held { ballot.decision.classification = ballot.changes == nil ? .unchained : .changed }
            return ballot.settle(.pending, held ? Self.heldReason(kind) : "\(top.supporters.count - continuing.count) supporting agents attest "
                + (ballot.changes == nil ? "this root as unchained" : "another digest than they first saw, and this target holds changes")
                + "; it waits for approvers' signatures")
        }
        guard case .hold(let seconds) = policy.unchained else { return .next }
        let since = ballot.agreedSince
        guard ballot.now.seconds - since.seconds < seconds else { return .next }
        ballot.decision.waitsUntil = since.adding(seconds: seconds)
        return ballot.settle(.pending, "approved unchained replacement held for \(seconds) s from \(since), until \(since.adding(seconds: seconds))")
    }
}

extension UnchainedRule {
    static func heldReason(_ kind: PinClassification) -> String {
        kind == .replaced
            ? "unchained replacement waits for approvers' signatures"
            : "changed digest of a target that holds changes waits for approvers' signatures"
    }
}

/// The quorum must have held for the classification's `min_duration` (approvers' signatures waive it).
struct DurationRule: ConsensusRule {
    func apply(_ ballot: inout Ballot) -> RuleResult {
        let durations = ballot.policy.minDuration
        let required: Int64
        switch ballot.classified!.kind {
        case .first: required = durations.first
        case .resigned, .moved: required = durations.resigned
        case .rotated: required = durations.rotated
        default: required = durations.replaced
        }
        let since = ballot.agreedSince
        guard ballot.now.seconds - since.seconds < required, !ballot.approved.contains(ballot.top.digest) else { return .next }
        ballot.decision.waitsUntil = since.adding(seconds: required)
        return ballot.settle(.pending, "quorum held since \(since); \(required) s required, until \(since.adding(seconds: required))")
    }
}
