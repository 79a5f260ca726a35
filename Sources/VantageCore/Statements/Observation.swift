import VantageTUF

/// What one agent saw for one target at one time: the statement an agent signs and sends.
///
/// Exactly one of `fingerprint` (a root was fetched, parsed and its facts computed), `content` (an `oci` manifest or a
/// `file` was fetched and hashed) or `error` is set. Failures are observations too: silence is never the signal.
public struct Observation: Sendable, Hashable, Codable {
    /// Document type and version of this statement format.
    /// v2: `source` (kind, normalised URL, GUN) replaced `kind` and `gun`; `continuity` added.
    public static let type = "vantage-observation/v2"

    public var type: String = Observation.type
    public var agent: String
    public var region: String
    public var target: String
    /// What the agent fetched (kind, normalised URL, GUN); bound into the attestation so a pin cannot be moved
    /// to another repository or install path.
    public var source: RepositorySource
    public var observedAt: Timestamp
    /// Agent-local sequence number, strictly increasing across restarts (makes every statement unique).
    public var sequence: Int64
    public var latencyMilliseconds: Int64
    public var fingerprint: RootFingerprint?
    /// Root-role signature count of the fetched root against its own root role.
    public var selfSignature: SelfSignature?
    /// Certificate facts of the root-role keys (Notary roots).
    public var certificates: [CertificateSummary]?
    /// Rotation steps the agent verified on this poll before reaching the reported root.
    public var chainSteps: Int?
    /// Set when the reported root is what the server offers but it does not verify as a rotation of the agent's
    /// last verified root (rollback, equivocation, unchained replacement): why. The agent keeps trusting its last
    /// verified root, and its verdict is ``Continuity/unchained``.
    public var chainRejection: String?
    /// The agent's verdict on the reported root (set exactly when `fingerprint` is), signed into the attestation.
    public var continuity: Continuity?
    /// `oci`/`file`: the digest of the bytes received and what they are.
    public var content: ContentFacts?
    public var error: ObservationError?

    public init(
        agent: String, region: String, target: String, source: RepositorySource, observedAt: Timestamp,
        sequence: Int64, latencyMilliseconds: Int64,
        fingerprint: RootFingerprint? = nil, selfSignature: SelfSignature? = nil, certificates: [CertificateSummary]? = nil,
        chainSteps: Int? = nil, chainRejection: String? = nil, continuity: Continuity? = nil, content: ContentFacts? = nil,
        error: ObservationError? = nil
    ) {
        self.agent = agent
        self.region = region
        self.target = target
        self.source = source
        self.observedAt = observedAt
        self.sequence = sequence
        self.latencyMilliseconds = latencyMilliseconds
        self.fingerprint = fingerprint
        self.selfSignature = selfSignature
        self.certificates = certificates
        self.chainSteps = chainSteps
        self.chainRejection = chainRejection
        self.continuity = continuity
        self.content = content
        self.error = error
    }

    /// The SHA-256 of the bytes this observation reports (a root's or a manifest's or file's), or `nil` for an error.
    public var sha256: String? { fingerprint?.sha256 ?? content?.sha256 }

    /// What this observation came to: the digest, or the error's kind.
    public var outcome: SpanOutcome {
        if let sha256 { return .root(sha256: sha256) }
        // The HTTP status is part of what an operator reads in `vantage query` (`http_status 404`, not a bare kind).
        if let error, error.kind == .httpStatus, let status = error.status { return .error("http_status \(status)") }
        return .error(error?.kind.rawValue ?? "unknown")
    }

    enum CodingKeys: String, CodingKey {
        case type, agent, region, target, source, sequence, fingerprint, certificates, error, continuity, content
        case observedAt = "observed_at"
        case latencyMilliseconds = "latency_ms"
        case selfSignature = "self_signature"
        case chainSteps = "chain_steps"
        case chainRejection = "chain_rejection"
    }
}

/// The root-role threshold verdict an agent reports.
public struct SelfSignature: Sendable, Hashable, Codable {
    public var threshold: Int
    public var count: Int
    public var met: Bool

    public init(_ result: ThresholdResult) {
        threshold = result.threshold
        count = result.count
        met = result.isMet
    }
}

/// Certificate facts of one root-role key.
public struct CertificateSummary: Sendable, Hashable, Codable {
    public var keyID: String
    public var subjectCN: String?
    public var notBefore: Timestamp
    public var notAfter: Timestamp
    public var isCA: Bool

    public init(keyID: String, facts: CertificateFacts) {
        self.keyID = keyID
        subjectCN = facts.subjectCN
        notBefore = Timestamp(facts.notBefore)
        notAfter = Timestamp(facts.notAfter)
        isCA = facts.isCA
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "keyid"
        case subjectCN = "subject_cn"
        case notBefore = "not_before"
        case notAfter = "not_after"
        case isCA = "is_ca"
    }
}

/// Why an agent could not report a root. `kind` separates transport failures from hostile or broken data.
public struct ObservationError: Sendable, Hashable, Codable, Error {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        // Transport.
        case dns, connect, tls, timeout, redirect
        case httpStatus = "http_status"
        case auth
        case tooLarge = "too_large"
        // Data.
        case malformed
        case badSignature = "bad_signature"
        case chainRejected = "chain_rejected"
        case expired
        /// A Notary root the `notary` client would refuse (certificate CN is not the GUN, CA leaf, validity).
        case notaryRules = "notary_rules"
        /// The agent's own configuration does not allow this destination (URL pattern, private address, limit).
        case forbidden
        case internalError = "internal"
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, for `http_status`.
    public var status: Int?

    public init(_ kind: Kind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }
}
