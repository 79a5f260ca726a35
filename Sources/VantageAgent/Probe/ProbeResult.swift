import VantageCore
import VantageTUF

/// What one probe of one target found: the statement fields of an ``VantageCore/Observation`` before it gets
/// the agent's identity and sequence number, plus the exact root bytes.
public struct ProbeResult: Sendable {
    public var target: String
    /// Where the agent fetched from (kind, normalised URL, GUN), bound into the statement and its attestation.
    public var source: RepositorySource
    public var observedAt: Timestamp
    public var latencyMilliseconds: Int64
    public var fingerprint: RootFingerprint?
    public var selfSignature: SelfSignature?
    public var certificates: [CertificateSummary]?
    public var chainSteps: Int?
    /// Why the reported root did not verify as a rotation of the trusted one, when it did not.
    public var chainRejection: String?
    /// The agent's verdict on the reported root against its last verified root for the source.
    public var continuity: Continuity?
    /// `oci`/`file`: the digest and facts of the bytes received.
    public var content: ContentFacts?
    public var error: ObservationError?
    /// The exact bytes of the reported root, manifest or file (for the coordinator's blob store); `nil` for content
    /// whose digest a `HEAD` confirmed (the coordinator has its bytes from the `GET` that first saw it).
    public var rootBytes: [UInt8]?

    /// A successful probe of `root`.
    /// - Parameter selfCheck: `RootVerifier.selfCheck(root)` when the caller has it already (the walk verified
    ///   the same signatures); computed otherwise.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, root: Root, chainSteps: Int,
        continuity: Continuity, chainRejection: String? = nil, selfCheck: ThresholdResult? = nil
    ) {
        self.target = target.id
        self.source = source
        self.continuity = continuity
        self.observedAt = observedAt
        self.latencyMilliseconds = latencyMilliseconds
        fingerprint = RootFingerprint(root)
        selfSignature = SelfSignature(selfCheck ?? RootVerifier.selfCheck(root))
        let summaries = root.rootRole.keyIDs.sorted().compactMap { id in
            root.keys[id]?.certificate.map { CertificateSummary(keyID: id, facts: $0) }
        }
        certificates = summaries.isEmpty ? nil : summaries
        self.chainSteps = chainSteps
        self.chainRejection = chainRejection
        rootBytes = root.bytes
    }

    /// A successful probe of an `oci` or `file` source.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, content: ContentFacts,
        bytes: [UInt8]?, continuity: Continuity
    ) {
        self.target = target.id
        self.source = source
        self.observedAt = observedAt
        self.latencyMilliseconds = latencyMilliseconds
        self.content = content
        self.continuity = continuity
        rootBytes = bytes
    }

    /// A failed probe.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, error: ObservationError,
        chainSteps: Int?
    ) {
        self.target = target.id
        self.source = source
        self.observedAt = observedAt
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.chainSteps = chainSteps
    }

    /// The statement for agent `agent` in `region` with sequence number `sequence`.
    public func observation(agent: String, region: String, sequence: Int64) -> Observation {
        Observation(
            agent: agent, region: region, target: target, source: source, observedAt: observedAt, sequence: sequence,
            latencyMilliseconds: latencyMilliseconds, fingerprint: fingerprint, selfSignature: selfSignature,
            certificates: certificates, chainSteps: chainSteps, chainRejection: chainRejection, continuity: continuity, content: content,
            error: error)
    }

    /// `ok` or the error kind, for metrics and logs.
    public var resultLabel: String { error?.kind.rawValue ?? "ok" }
}
