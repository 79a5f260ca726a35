import VantageTUF

/// What deciding one target needs, read by the coordinator in one snapshot (``ConsensusPlanner``'s input).
public struct TargetSnapshot: Sendable {
    public var target: String
    /// The latest observation of each enrolled agent.
    public var views: [AgentView]
    /// The current pin (for the target's current source), if any.
    public var pin: ConsensusEvaluator.CurrentPin?
    /// The sequence number a new pin gets (pins of earlier sources count too).
    public var nextSeq: Int64
    /// Parsed roots of this target by SHA-256: every digest agents reported for it, and the pin.
    public var roots: [String: Root]
    /// Digest → the approvers whose valid signatures reach the threshold.
    public var approved: [String: Set<String>]
    /// The state stored by the previous decision, if any.
    public var previous: TargetState?
    /// Alert conditions already raised for this target, by ``ConsensusPlanner/AlertKey``.
    public var alerts: [ConsensusPlanner.AlertKey: String]
    /// Set for an `oci` or `file` target (whose `roots` is then empty).
    public var content: Content?

    /// What deciding an `oci` or `file` target needs beyond the views.
    public struct Content: Sendable, Hashable {
        /// The target's change policy.
        public var changes: ChangePolicy
        /// The digests among the views and the pin whose exact bytes the coordinator holds.
        public var stored: Set<String>

        public init(changes: ChangePolicy, stored: Set<String>) {
            self.changes = changes
            self.stored = stored
        }
    }

    public init(
        target: String, views: [AgentView], pin: ConsensusEvaluator.CurrentPin?, nextSeq: Int64, roots: [String: Root],
        approved: [String: Set<String>], previous: TargetState?, alerts: [ConsensusPlanner.AlertKey: String] = [:],
        content: Content? = nil
    ) {
        self.target = target
        self.views = views
        self.pin = pin
        self.nextSeq = nextSeq
        self.roots = roots
        self.approved = approved
        self.previous = previous
        self.alerts = alerts
        self.content = content
    }
}

/// A target's stored consensus state.
public struct TargetState: Sendable, Hashable {
    /// `nil`: unobserved (no agent reported and nothing is pinned).
    public var status: ConsensusDecision.Status?
    public var leading: String?
    public var classification: PinClassification?
    public var reasons: [String]

    public init(status: ConsensusDecision.Status?, leading: String?, classification: PinClassification?, reasons: [String]) {
        self.status = status
        self.leading = leading
        self.classification = classification
        self.reasons = reasons
    }

    /// The stored form of ``status``.
    public var statusText: String { TargetStatus.Status(status).rawValue }

    /// The digest held as an unchained replacement, if this state holds one.
    public var held: String? { status == .pending && classification?.needsApprovers == true ? leading : nil }
}

/// What one decision changes (``ConsensusPlanner``'s output); the coordinator applies it in one transaction.
public struct TargetPlan: Sendable {
    public var target: String
    /// A new pin to record.
    public var pin: NewPin?
    /// The state to store (unchanged states are stored too; the store skips identical rows).
    public var state: TargetState
    public var events: [VantageEvent]
    /// Alert conditions that changed.
    public var alerts: [ConsensusPlanner.AlertKey: String]
    /// When deciding again could change something without new input (a view leaving or entering the fresh window,
    /// `min_duration` or a hold ending, the pinned root or a key certificate nearing expiry); `nil`: never.
    public var due: Timestamp?
    /// The pinned root's expiry (a gauge).
    public var pinnedExpires: Timestamp?

    /// A pin to record.
    public struct NewPin: Sendable, Hashable {
        public var sha256: String
        public var seq: Int64
        /// The root's version; 0 for `oci` and `file` content.
        public var version: Int
        public var classification: PinClassification
        /// The approvers whose signatures admitted the digest, when it was approved.
        public var approvedBy: [String]?
    }
}
