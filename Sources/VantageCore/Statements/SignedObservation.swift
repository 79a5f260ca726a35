import Crypto
import VantageTUF

/// An observation as sent to the coordinator: the statement, the agent's signature over its canonical bytes,
/// the attestation signature (for successful fetches), and the exact root bytes for a digest the agent has not
/// delivered before.
public struct SignedObservation: Sendable, Hashable, Codable {
    public var observation: Observation
    /// Base64 Ed25519 signature over canonical JSON of `observation`.
    public var signature: String
    /// Base64 Ed25519 signature over the ``AttestationStatement`` derived from the observation.
    public var attestationSignature: String?
    /// Base64 of the exact root bytes.
    public var rootBytes: String?

    enum CodingKeys: String, CodingKey {
        case observation, signature
        case attestationSignature = "attestation_signature"
        case rootBytes = "root_bytes"
    }

    /// Signs the observation's canonical bytes (and its attestation when it carries a fingerprint) with `identity`.
    public init(signing observation: CanonicalStatement<Observation>, with identity: SigningIdentity, rootBytes: [UInt8]? = nil) throws {
        self.observation = observation.value
        signature = ByteEncoding.base64Encode(try identity.sign(observation.bytes))
        if let statement = observation.value.attestationStatement {
            attestationSignature = ByteEncoding.base64Encode(try identity.sign(try statement.signingBytes))
        }
        self.rootBytes = rootBytes.map(ByteEncoding.base64Encode)
    }

    /// Encodes `observation` once and signs those bytes.
    public init(signing observation: Observation, with identity: SigningIdentity, rootBytes: [UInt8]? = nil) throws {
        try self.init(signing: try CanonicalStatement(observation), with: identity, rootBytes: rootBytes)
    }

    /// The idempotency ID: hex SHA-256 of the canonical observation. Retries of one observation share it. Encodes the
    /// observation: code that also signs or verifies it takes ``CanonicalStatement/id`` of the bytes it holds.
    public var id: String {
        get throws { try CanonicalStatement(observation).id }
    }

    /// The idempotency ID of an observation from its canonical bytes (what ``id`` computes).
    public static func id(ofCanonical bytes: [UInt8]) -> String {
        ByteEncoding.hexEncode(SHA256.hash(data: bytes))
    }
}

extension CanonicalStatement<Observation> {
    /// The observation's idempotency ID (``SignedObservation/id``), from the bytes it was signed or verified over.
    public var id: String { SignedObservation.id(ofCanonical: bytes) }
}

extension Observation {
    /// The compact statement derived from a successful observation.
    public var attestationStatement: AttestationStatement? {
        guard let sha256, let continuity else { return nil }
        return AttestationStatement(
            agent: agent, target: target, source: source, sha256: sha256, observedAt: observedAt, continuity: continuity)
    }
}

/// A batch of observations, the body of `POST /v1/observations`.
public struct ObservationBatch: Sendable, Codable {
    public var observations: [SignedObservation]

    public init(observations: [SignedObservation]) { self.observations = observations }
}

/// The coordinator's answer to a batch: per observation, accepted (durably stored, or already stored) or
/// rejected with a reason. Agents drop accepted and permanently rejected observations from their spool.
public struct ObservationReceipt: Sendable, Codable, Hashable {
    public struct Item: Sendable, Codable, Hashable {
        public var id: String
        public var accepted: Bool
        public var duplicate: Bool
        public var reason: String?

        public init(id: String, accepted: Bool, duplicate: Bool = false, reason: String? = nil) {
            self.id = id
            self.accepted = accepted
            self.duplicate = duplicate
            self.reason = reason
        }
    }

    public var items: [Item]

    public init(items: [Item]) { self.items = items }
}
