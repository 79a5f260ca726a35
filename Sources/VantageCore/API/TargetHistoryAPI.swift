/// A run of identical outcomes reported by one agent.
public struct SpanRecord: Sendable, Hashable, Codable {
    public var agent: String
    /// Root digest or `error:<kind>`.
    public var outcome: SpanOutcome
    /// For an error span, the agent's latest message about it (for a refusal, the rule), when stored.
    public var errorMessage: String?
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var count: Int64

    public init(agent: String, outcome: SpanOutcome, errorMessage: String? = nil, firstSeen: Timestamp, lastSeen: Timestamp, count: Int64) {
        self.agent = agent
        self.outcome = outcome
        self.errorMessage = errorMessage
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case agent, outcome, count
        case errorMessage = "error_message"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }
}

/// A pin in a target's history, with who approved it.
public struct PinHistoryEntry: Sendable, Hashable, Codable {
    public var sha256: String
    public var version: Int
    public var classification: PinClassification
    public var pinnedAt: Timestamp
    public var approvedBy: String?

    public init(sha256: String, version: Int, classification: PinClassification, pinnedAt: Timestamp, approvedBy: String?) {
        self.sha256 = sha256
        self.version = version
        self.classification = classification
        self.pinnedAt = pinnedAt
        self.approvedBy = approvedBy
    }

    enum CodingKeys: String, CodingKey {
        case sha256, version, classification
        case pinnedAt = "pinned_at"
        case approvedBy = "approved_by"
    }
}

/// `GET /v1/targets/{id}/history`.
public struct TargetHistory: Sendable, Hashable, Codable {
    public var target: String
    public var spans: [SpanRecord]
    public var pins: [PinHistoryEntry]
    /// Admin actions on this target (added, removed, approvals submitted), oldest first, each naming its token.
    public var actions: [VantageEvent]
    /// `oci`/`file`: the consensus quorum ``digests`` counts agents against; `nil` for roots (absent from the JSON).
    public var quorum: Int?
    /// `oci`/`file`: the digest timeline (``DigestSighting/timeline(of:quorum:)``) of the spans of agents still
    /// enrolled; `nil` for roots (absent from the JSON).
    public var digests: [DigestSighting]?

    public init(
        target: String, spans: [SpanRecord], pins: [PinHistoryEntry], actions: [VantageEvent] = [], quorum: Int? = nil,
        digests: [DigestSighting]? = nil
    ) {
        self.target = target
        self.spans = spans
        self.pins = pins
        self.actions = actions
        self.quorum = quorum
        self.digests = digests
    }
}
