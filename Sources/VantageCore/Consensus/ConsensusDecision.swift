import VantageTUF

/// The consensus verdict for one target at one instant.
public struct ConsensusDecision: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The pinned digest holds a quorum and nothing else is seen.
        case agreed
        /// A new digest is being pinned (``action`` is `.pin`).
        case changing
        /// A new digest holds a quorum but waits: min_duration, approval or hold period.
        case pending
        /// Fresh agents disagree beyond max_dissent; the pin does not move.
        case splitView = "split_view"
        /// Too few fresh agents support any digest.
        case noConsensus = "no_consensus"
    }

    public enum Action: Sendable, Hashable {
        case keep
        case pin(sha256: String, classification: PinClassification)
    }

    public var status: Status
    public var action: Action
    /// The digest with the most fresh supporters (ties: none).
    public var leading: String?
    /// Fresh agents supporting `leading`, with their regions.
    public var supporters: [AgentView]
    /// Fresh agents that report another digest.
    public var dissenters: [AgentView]
    /// Fresh agents whose latest observation is an error.
    public var failing: [AgentView]
    /// Classification of `leading` against the current pin.
    public var classification: PinClassification?
    /// Why the decision is what it is. Never a duration counted from `now`: the same inputs give the same reasons at
    /// any instant until something changes, so a decision can be stored and re-made only when it would differ.
    public var reasons: [String]
    /// When this decision's time condition is met (`min_duration` or an unchained hold ends), if it waits on one.
    public var waitsUntil: Timestamp?
    /// `oci`/`file`: views of another digest were not counted because they were not served at the same time as the
    /// leader's (a move in progress). Their spans grow with each poll without changing any outcome, so the target is
    /// decided again next round until the views agree or overlap (then a split view).
    public var unsettledInTime = false

    public init(
        status: Status, action: Action, leading: String?, supporters: [AgentView], dissenters: [AgentView], failing: [AgentView],
        classification: PinClassification?, reasons: [String], waitsUntil: Timestamp? = nil
    ) {
        self.status = status
        self.action = action
        self.leading = leading
        self.supporters = supporters
        self.dissenters = dissenters
        self.failing = failing
        self.classification = classification
        self.reasons = reasons
        self.waitsUntil = waitsUntil
    }

    /// Every fresh agent's latest observation is an error: no agent observes the target (the `unobservable` alert).
    public var unobservable: Bool { !failing.isEmpty && supporters.isEmpty && dissenters.isEmpty }
}
