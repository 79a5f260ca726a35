/// One agent's view of a target, as the query API reports it.
public struct SupporterView: Sendable, Hashable, Codable {
    public var agent: String
    public var region: String
    public var sha256: String?
    /// The error kind, when the latest observation is an error.
    public var error: String?
    /// The agent's message about that error (for a refusal, the rule that refused), when stored.
    public var errorMessage: String?
    public var observedAt: Timestamp
    public var since: Timestamp

    public init(
        agent: String, region: String, sha256: String?, error: String?, errorMessage: String? = nil, observedAt: Timestamp,
        since: Timestamp
    ) {
        self.agent = agent
        self.region = region
        self.sha256 = sha256
        self.error = error
        self.errorMessage = errorMessage
        self.observedAt = observedAt
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case agent, region, sha256, error, since
        case errorMessage = "error_message"
        case observedAt = "observed_at"
    }
}

/// The coordinator's record of a target's current pin, for operators (the query API). Clients never decide on
/// it: `pins verify` and `pins install` use only signed pins and the root bytes.
public struct PinnedSummary: Sendable, Hashable, Codable {
    public var sha256: String
    /// The root's version; 0 for `oci` and `file` content, which has none.
    public var version: Int
    /// The root's expiry; empty for content.
    public var expires: String
    public var rootKeys: [String]
    /// `first`, `resigned`, `rotated`, `replaced`, `moved` or `changed`: how the coordinator classified the change.
    public var classification: PinClassification
    public var pinnedAt: Timestamp
    /// Approver ids, for a pin admitted by approvals.
    public var approvedBy: String?
    /// Whether the latest published list carries this pin (see the `pin_unsupported` event otherwise).
    public var published: Bool
    /// `oci`/`file`: what the pinned bytes are (media type and platforms, or key fingerprints), read from the bytes
    /// the coordinator stores; `nil` for roots (and then absent from the JSON).
    public var content: ContentFacts?

    public init(
        sha256: String, version: Int, expires: String, rootKeys: [String], classification: PinClassification, pinnedAt: Timestamp,
        approvedBy: String?, published: Bool, content: ContentFacts? = nil
    ) {
        self.sha256 = sha256
        self.version = version
        self.expires = expires
        self.rootKeys = rootKeys
        self.classification = classification
        self.pinnedAt = pinnedAt
        self.approvedBy = approvedBy
        self.published = published
        self.content = content
    }

    enum CodingKeys: String, CodingKey {
        case sha256, version, expires, classification, published, content
        case rootKeys = "root_keys"
        case pinnedAt = "pinned_at"
        case approvedBy = "approved_by"
    }
}

/// Current consensus for one target.
public struct TargetStatus: Sendable, Hashable, Codable {
    /// A target's consensus status as the API and `target_state.status` spell it: a ``ConsensusDecision/Status``,
    /// or `unobserved` before any agent reported and nothing is pinned.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case agreed, changing, pending
        case splitView = "split_view"
        case noConsensus = "no_consensus"
        case unobserved

        /// The status of a decision; `nil` (nothing decided) is `unobserved`.
        public init(_ status: ConsensusDecision.Status?) {
            switch status {
            case .agreed: self = .agreed
            case .changing: self = .changing
            case .pending: self = .pending
            case .splitView: self = .splitView
            case .noConsensus: self = .noConsensus
            case nil: self = .unobserved
            }
        }
    }

    public var spec: TargetSpec
    public var status: Status
    public var pinned: PinnedSummary?
    public var leading: String?
    public var classification: PinClassification?
    public var reasons: [String]
    public var views: [SupporterView]
    /// `oci`/`file`: what the pinned digest, the leading one and each one an agent currently sees is, for each whose
    /// bytes the coordinator stores, ordered by digest; `nil` for roots (and then absent from the JSON).
    public var contents: [ContentFacts]?

    public init(
        spec: TargetSpec, status: Status, pinned: PinnedSummary?, leading: String?, classification: PinClassification?, reasons: [String],
        views: [SupporterView], contents: [ContentFacts]? = nil
    ) {
        self.spec = spec
        self.status = status
        self.pinned = pinned
        self.leading = leading
        self.classification = classification
        self.reasons = reasons
        self.views = views
        self.contents = contents
    }

    /// The facts of `sha256`, when the coordinator stores its bytes (the pin's or one of ``contents``).
    public func content(of sha256: String) -> ContentFacts? {
        (pinned?.sha256 == sha256 ? pinned?.content : nil) ?? contents?.first { $0.sha256 == sha256 }
    }
}
