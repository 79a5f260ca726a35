import VantageTUF

/// The pure consensus function (DESIGN.md trust properties 1, 3, 4): latest agent views, the current pin,
/// the known roots, approvals and an explicit `now` in, a ``ConsensusDecision`` out.
public struct ConsensusEvaluator: Sendable {
    public var policy: ConsensusPolicy

    public init(policy: ConsensusPolicy) { self.policy = policy }

    /// The current pin of a target.
    public struct CurrentPin: Sendable, Hashable {
        public var sha256: String
        public init(sha256: String) { self.sha256 = sha256 }
    }

    /// Decides for one target.
    ///
    /// - Parameters:
    ///   - views: the latest observation of each agent for this target.
    ///   - pin: the current pin, if any.
    ///   - roots: parsed roots of this target by exact SHA-256 (for classification and intermediates).
    ///   - approved: digests with enough valid approver signatures for this target and source.
    ///   - now: the evaluation instant.
    public func decide(
        views: [AgentView], pin: CurrentPin?, roots: [String: Root], approved: Set<String>, now: Timestamp
    ) -> ConsensusDecision {
        decide(views: views, pin: pin, approved: approved, now: now) { classify($0, pin: pin, roots: roots) }
    }

    /// A classification and why.
    public typealias Classified = (kind: PinClassification, reasons: [String])

    /// ``decide(views:pin:roots:approved:now:)`` with the classification of a digest against `pin` supplied by the
    /// caller (``ConsensusPlanner`` memoises it: it does not depend on the instant, and may verify signatures).
    func decide(
        views: [AgentView], pin: CurrentPin?, approved: Set<String>, now: Timestamp, classify: (String) -> Classified
    ) -> ConsensusDecision {
        // One vote per agent: of an agent's fresh views only the latest counts (trust property 1, distinct agents).
        var latest: [String: AgentView] = [:]
        for view in views where view.observedAt >= now.adding(seconds: -policy.maxAgeSeconds) && view.observedAt <= now.adding(seconds: ConsensusPolicy.skewSeconds) {
            if let seen = latest[view.agent], seen.observedAt >= view.observedAt { continue }
            latest[view.agent] = view
        }
        let fresh = latest.values.sorted { $0.agent < $1.agent }
        let failing = fresh.filter { $0.sha256 == nil }
        var byDigest: [String: [AgentView]] = [:]
        for view in fresh { if let digest = view.sha256 { byDigest[digest, default: []].append(view) } }
        let ranked = byDigest.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
        var decision = ConsensusDecision(
            status: .noConsensus, action: .keep, leading: nil, supporters: [], dissenters: [], failing: failing,
            classification: nil, reasons: [])
        guard let top = ranked.first else {
            decision.reasons.append("no fresh observation reports a root")
            return decision
        }
        // Agents that see the pinned root, a verified successor of it (re-signed or chained rotation) or a digest the
        // approvers signed in advance see an expected root: during a planned change some agents poll before others,
        // and that is not a split view (no page for it).
        func expected(_ digest: String) -> Bool {
            if approved.contains(digest) { return true }
            guard let pin else { return false }
            if digest == pin.sha256 { return true }
            let kind = classify(digest).kind
            return kind == .resigned || kind == .rotated
        }
        if ranked.count > 1, ranked[1].value.count == top.value.count,
            !ranked.filter({ $0.value.count == top.value.count }).allSatisfy({ expected($0.key) })
        {
            decision.status = .splitView
            decision.dissenters = fresh.filter { $0.sha256 != nil }
            decision.reasons.append("\(ranked.count) digests tie with \(top.value.count) agents each")
            return decision
        }
        decision.leading = top.key
        decision.supporters = top.value.sorted { $0.agent < $1.agent }
        decision.dissenters = fresh.filter { $0.sha256 != nil && $0.sha256 != top.key }.sorted { $0.agent < $1.agent }
        if expected(top.key) {
            let alongChange = decision.dissenters.filter { expected($0.sha256!) }
            if !alongChange.isEmpty {
                decision.dissenters.removeAll { expected($0.sha256!) }
                decision.reasons.append("\(alongChange.count) agents still see another expected root (the pinned one, a verified successor or an approved digest): change in progress")
            }
        }

        let regions = Set(top.value.map(\.region)).count
        let hasQuorum = top.value.count >= policy.quorum && regions >= policy.minRegions
        if decision.dissenters.count > policy.maxDissent {
            decision.status = .splitView
            decision.reasons.append(
                "\(decision.dissenters.count) fresh agents see other roots (max_dissent \(policy.maxDissent))")
            return decision
        }
        guard hasQuorum else {
            decision.status = .noConsensus
            decision.reasons.append(
                "\(top.value.count) agents in \(regions) regions support the leading root; need \(policy.quorum) in \(policy.minRegions)")
            return decision
        }

        let classification = classify(top.key)
        decision.classification = classification.kind
        decision.reasons.append(contentsOf: classification.reasons)
        if classification.kind == .same {
            decision.status = .agreed
            return decision
        }
        if classification.kind == .invalid {
            decision.status = .pending
            return decision
        }
        // Temporal quorum: since when have `quorum` agents from `min_regions` regions all seen this digest
        // continuously? (The earliest `since` at which the supporters seen so far satisfy both counts.)
        var agreedSince = now
        var heldRegions = Set<String>()
        for (n, view) in top.value.sorted(by: { $0.since < $1.since }).enumerated() {
            heldRegions.insert(view.region)
            if n + 1 >= policy.quorum, heldRegions.count >= policy.minRegions {
                agreedSince = view.since
                break
            }
        }
        let held = now.seconds - agreedSince.seconds
        let required: Int64
        switch classification.kind {
        case .first: required = policy.minDuration.first
        case .resigned: required = policy.minDuration.resigned
        case .rotated: required = policy.minDuration.rotated
        default: required = policy.minDuration.replaced
        }
        // Clients count agents' own verdicts, not this classification: without a quorum of verified continuations
        // (or first sights) from the supporters, the pin needs approvers' signatures whatever the coordinator thinks.
        let continuing = top.value.filter { $0.attestation?.continuity.isVerifiedContinuation ?? false }
        let continuationQuorum = continuing.count >= policy.quorum && Set(continuing.map(\.region)).count >= policy.minRegions
        if classification.kind == .replaced || !continuationQuorum {
            guard approved.contains(top.key) else {
                decision.status = .pending
                // The agents' word decides what clients accept: a root they attest unchained is held like a replacement.
                if classification.kind != .replaced { decision.classification = .unchained }
                decision.reasons.append(
                    classification.kind == .replaced
                        ? "unchained replacement waits for approvers' signatures"
                        : "\(top.value.count - continuing.count) supporting agents attest this root as unchained; it waits for approvers' signatures")
                return decision
            }
            if case .hold(let seconds) = policy.unchained, held < seconds {
                decision.status = .pending
                decision.waitsUntil = agreedSince.adding(seconds: seconds)
                decision.reasons.append("approved unchained replacement held for \(seconds) s from \(agreedSince), until \(agreedSince.adding(seconds: seconds))")
                return decision
            }
        }
        guard held >= required || approved.contains(top.key) else {
            decision.status = .pending
            decision.waitsUntil = agreedSince.adding(seconds: required)
            decision.reasons.append("quorum held since \(agreedSince); \(required) s required, until \(agreedSince.adding(seconds: required))")
            return decision
        }
        decision.status = .changing
        decision.action = .pin(sha256: top.key, classification: classification.kind)
        return decision
    }

    func classify(_ digest: String, pin: CurrentPin?, roots: [String: Root]) -> Classified {
        guard let new = roots[digest] else { return (.invalid, ["root bytes for \(digest) not yet received"]) }
        // The pinned root passed the self-check below when it was pinned, and a digest names fixed bytes: the steady
        // state (every agent on the pin) needs no signature verification, which was half of a 10,000-target round.
        if pin?.sha256 == digest { return (.same, []) }
        let own = RootVerifier.selfCheck(new)
        guard own.isMet else {
            return (.invalid, ["root \(digest) is signed by \(own.count) of its root keys, threshold \(own.threshold)"])
        }
        guard let pin else { return (.first, ["first pin for this target"]) }
        guard let old = roots[pin.sha256] else { return (.replaced, ["pinned root bytes missing"]) }
        let intermediates = roots.values
            .filter { $0.dialect == old.dialect && $0.version > old.version && $0.version < new.version }
        let chain = Self.contiguous(from: old, to: new, in: intermediates)
        let change = RootChangeClassifier.classify(from: old, to: new, via: chain)
        return (PinClassification(change.kind), change.reasons)
    }

    /// One root per version strictly between `trusted.version` and `new.version`. Where several roots share a
    /// version, a run whose every step (including the last one, to `new`) verifies is searched for (depth first,
    /// candidates in digest order, each dead end tried once); without one, the lowest-digest root of each version is
    /// returned so the classifier can say which step fails, or `[]` when a version is missing. The result never
    /// depends on dictionary order, and a planted same-version root cannot hide a genuine rotation chain.
    static func contiguous(from trusted: Root, to new: Root, in roots: [Root]) -> [Root] {
        let byVersion = Dictionary(grouping: roots, by: \.version).mapValues { $0.sorted { $0.sha256 < $1.sha256 } }
        var deadEnds = Set<String>()
        func walk(from last: Root) -> [Root]? {
            if last.version + 1 == new.version { return RootChainVerifier.step(from: last, to: new).isAccepted ? [] : nil }
            for candidate in byVersion[last.version + 1] ?? [] where !deadEnds.contains(candidate.sha256) {
                guard RootChainVerifier.step(from: last, to: candidate).isAccepted else { continue }
                if let rest = walk(from: candidate) { return [candidate] + rest }
                deadEnds.insert(candidate.sha256)
            }
            return nil
        }
        if new.version > trusted.version, let chain = walk(from: trusted) { return chain }
        var chain: [Root] = []
        for version in stride(from: trusted.version + 1, to: new.version, by: 1) {
            guard let first = byVersion[version]?.first else { return [] }
            chain.append(first)
        }
        return chain
    }
}
