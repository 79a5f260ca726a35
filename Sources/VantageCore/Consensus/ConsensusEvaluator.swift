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

    /// A classification and why.
    public typealias Classified = (kind: PinClassification, reasons: [String])

    /// Decides for one target.
    ///
    /// - Parameters:
    ///   - views: the latest observation of each agent for this target.
    ///   - pin: the current pin, if any.
    ///   - approved: digests with enough valid approver signatures for this target and source.
    ///   - now: the evaluation instant.
    ///   - changes: for an `oci` or `file` target, its change policy (its views are then compared in time: see
    ///     ``Ballot/contemporaneous(_:_:)``); `nil` for a root target.
    ///   - classify: the classification of a digest against `pin` (``ConsensusPlanner`` memoises
    ///     ``classify(_:pin:roots:)``: it does not depend on the instant, and may verify signatures).
    func decide(
        views: [AgentView], pin: CurrentPin?, approved: Set<String>, now: Timestamp, changes: ChangePolicy? = nil,
        classify: (String) -> Classified
    ) -> ConsensusDecision {
        withoutActuallyEscaping(classify) { classify in
            var ballot = Ballot(
                views: views, pin: pin, approved: approved, now: now, policy: policy, changes: changes, classify: classify)
            for rule in Self.rules where rule.apply(&ballot) == .settled { return ballot.decision }
            let kind = ballot.classified!.kind
            ballot.decision.status = .changing
            ballot.decision.action = .pin(sha256: ballot.top.digest, classification: kind)
            return ballot.decision
        }
    }

    /// The rules in the order they run: the first to settle the decision ends it; when none does, the leader is
    /// pinned.
    static let rules: [any ConsensusRule] = [
        ReportsRootRule(), NoTieRule(), LeaderRule(), DissentRule(), LeaderQuorumRule(), ClassificationRule(), UnchainedRule(),
        DurationRule(),
    ]

    /// Classifies a digest of an `oci` or `file` target: content has no signed chain, so any other digest than the
    /// pinned one is a change, followed or held by the target's `changes`.
    /// - Parameter stored: digests whose exact bytes the coordinator holds (clients install or inspect them).
    func classify(_ digest: String, pin: CurrentPin?, stored: Set<String>, changes: ChangePolicy) -> Classified {
        if pin?.sha256 == digest { return (.same, []) }
        guard stored.contains(digest) else { return (.invalid, ["bytes for \(digest) not yet received"]) }
        guard let pin else { return (.first, ["first pin for this target"]) }
        switch changes {
        case .follow: return (.moved, ["moved from \(pin.sha256) to \(digest)"])
        case .hold: return (.changed, ["changed from \(pin.sha256) to \(digest); this target holds changes for approvers"])
        }
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
