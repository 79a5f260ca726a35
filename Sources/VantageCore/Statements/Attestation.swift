/// The compact statement an agent signs for pin lists: "I, `agent`, saw root `sha256` for `target` (of `kind`,
/// Notary GUN `gun`) at `observedAt`" (DESIGN.md trust property 1). Binding kind and GUN means a coordinator
/// cannot reuse attestations to point a pin at another install path.
///
/// Clients verify these signatures with the agents' keys from their own trust policy, so the coordinator cannot
/// forge support for a pin.
public struct AttestationStatement: Sendable, Hashable, Codable {
    public static let type = "vantage-attestation/v1"

    public var type: String = AttestationStatement.type
    public var agent: String
    public var target: String
    public var kind: TargetSpec.Kind
    public var gun: String?
    public var sha256: String
    public var observedAt: Timestamp

    public init(agent: String, target: String, kind: TargetSpec.Kind, gun: String?, sha256: String, observedAt: Timestamp) {
        self.agent = agent
        self.target = target
        self.kind = kind
        self.gun = gun
        self.sha256 = sha256
        self.observedAt = observedAt
    }

    /// The signed bytes: canonical JSON of the statement.
    public var signingBytes: [UInt8] {
        get throws { try Canonical.bytes(of: self) }
    }

    enum CodingKeys: String, CodingKey {
        case type, agent, target, kind, gun, sha256
        case observedAt = "observed_at"
    }
}

/// An agent's attestation as carried in a pin: who, when, and the signature over the statement rebuilt from
/// the pin's target and digest.
public struct Attestation: Sendable, Hashable, Codable {
    public var agent: String
    public var observedAt: Timestamp
    /// Base64 Ed25519 signature over ``AttestationStatement/signingBytes``.
    public var signature: String

    public init(agent: String, observedAt: Timestamp, signature: String) {
        self.agent = agent
        self.observedAt = observedAt
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case agent, signature
        case observedAt = "observed_at"
    }
}
