/// The compact statement an agent signs for pin lists (DESIGN.md trust properties 1-3): "I, `agent`, fetched
/// `source` for `target` at `observedAt`, got the root with SHA-256 `sha256`, and `continuity` is what I verified
/// about it against my own last root for that source."
///
/// Clients rebuild it from the pin (target, source, digest) and the attestation (agent, time, verdict) and verify
/// it with the agent's key from their own trust policy, so neither the coordinator nor a proxy can forge
/// support, move it to another repository, or turn an unchained replacement into a rotation.
public struct AttestationStatement: Sendable, Hashable, Codable {
    /// v2 added `source` (v1 bound only kind and GUN) and `continuity`.
    public static let type = "vantage-attestation/v2"

    public var type: String = AttestationStatement.type
    public var agent: String
    public var target: String
    public var source: RepositorySource
    public var sha256: String
    public var observedAt: Timestamp
    public var continuity: Continuity

    public init(
        agent: String, target: String, source: RepositorySource, sha256: String, observedAt: Timestamp, continuity: Continuity
    ) {
        self.agent = agent
        self.target = target
        self.source = source
        self.sha256 = sha256
        self.observedAt = observedAt
        self.continuity = continuity
    }

    /// The signed bytes: canonical JSON of the statement.
    public var signingBytes: [UInt8] {
        get throws { try Canonical.bytes(of: self) }
    }

    enum CodingKeys: String, CodingKey {
        case type, agent, target, source, sha256, continuity
        case observedAt = "observed_at"
    }
}

/// An agent's attestation as carried in a pin: who, when, its verdict, and the signature over the statement
/// rebuilt from the pin's target, source and digest.
public struct Attestation: Sendable, Hashable, Codable {
    public var agent: String
    public var observedAt: Timestamp
    public var continuity: Continuity
    /// Base64 Ed25519 signature over ``AttestationStatement/signingBytes``.
    public var signature: String

    public init(agent: String, observedAt: Timestamp, continuity: Continuity, signature: String) {
        self.agent = agent
        self.observedAt = observedAt
        self.continuity = continuity
        self.signature = signature
    }

    /// The statement this attestation signs for `pin`.
    public func statement(target: String, source: RepositorySource, sha256: String) -> AttestationStatement {
        AttestationStatement(agent: agent, target: target, source: source, sha256: sha256, observedAt: observedAt, continuity: continuity)
    }

    enum CodingKeys: String, CodingKey {
        case agent, signature, continuity
        case observedAt = "observed_at"
    }
}
