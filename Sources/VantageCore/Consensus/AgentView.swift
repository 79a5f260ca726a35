/// One agent's latest observation of a target, as the consensus function needs it.
public struct AgentView: Sendable, Hashable {
    public var agent: String
    public var region: String
    /// The root digest seen, or `nil` when the latest observation is an error.
    public var sha256: String?
    public var errorKind: String?
    /// What the agent said about its error (for a refusal, the rule), when stored.
    public var errorMessage: String?
    /// When the latest observation was made.
    public var observedAt: Timestamp
    /// Since when this agent has continuously reported this outcome (start of its current span).
    public var since: Timestamp
    /// The signed attestation for `sha256`, carried into pin lists.
    public var attestation: Attestation?

    public init(
        agent: String, region: String, sha256: String?, errorKind: String? = nil, errorMessage: String? = nil, observedAt: Timestamp, since: Timestamp,
        attestation: Attestation? = nil
    ) {
        self.agent = agent
        self.region = region
        self.sha256 = sha256
        self.errorKind = errorKind
        self.errorMessage = errorMessage
        self.observedAt = observedAt
        self.since = since
        self.attestation = attestation
    }
}
