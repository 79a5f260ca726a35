import VantageCore
import VantageTUF

/// What one probe of one target found: the statement of an ``VantageCore/Observation`` before it gets the agent's
/// identity and sequence number, plus the exact bytes. Its fields read and write through to ``statement``
/// (`result.fingerprint`, `result.error`), so the two never list the same fields twice.
@dynamicMemberLookup
public struct ProbeResult: Sendable {
    /// The statement, with an empty agent and region and sequence 0 until ``observation(agent:region:sequence:)``.
    public var statement: Observation
    /// The exact bytes of the reported root, manifest or file (for the coordinator's blob store); `nil` for content
    /// whose digest a `HEAD` confirmed (the coordinator has its bytes from the `GET` that first saw it).
    public var rootBytes: [UInt8]?

    public subscript<T>(dynamicMember path: WritableKeyPath<Observation, T>) -> T {
        get { statement[keyPath: path] }
        set { statement[keyPath: path] = newValue }
    }

    /// A probe of `target` at `source`, its outcome still to set.
    init(target: String, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64) {
        statement = Observation(
            agent: "", region: "", target: target, source: source, observedAt: observedAt, sequence: 0,
            latencyMilliseconds: latencyMilliseconds)
    }

    /// A successful probe of `root`.
    /// - Parameter selfCheck: `RootVerifier.selfCheck(root)` when the caller has it already (the walk verified
    ///   the same signatures); computed otherwise.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, root: Root, chainSteps: Int,
        continuity: Continuity, chainRejection: String? = nil, selfCheck: ThresholdResult? = nil
    ) {
        self.init(target: target.id, source: source, observedAt: observedAt, latencyMilliseconds: latencyMilliseconds)
        statement.continuity = continuity
        statement.fingerprint = RootFingerprint(root)
        statement.selfSignature = SelfSignature(selfCheck ?? RootVerifier.selfCheck(root))
        let summaries = root.rootRole.keyIDs.sorted().compactMap { id in
            root.keys[id]?.certificate.map { CertificateSummary(keyID: id, facts: $0) }
        }
        statement.certificates = summaries.isEmpty ? nil : summaries
        statement.chainSteps = chainSteps
        statement.chainRejection = chainRejection
        rootBytes = root.bytes
    }

    /// A successful probe of an `oci` or `file` source.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, content: ContentFacts,
        bytes: [UInt8]?, continuity: Continuity
    ) {
        self.init(target: target.id, source: source, observedAt: observedAt, latencyMilliseconds: latencyMilliseconds)
        statement.content = content
        statement.continuity = continuity
        rootBytes = bytes
    }

    /// A failed probe.
    public init(
        target: TargetSpec, source: RepositorySource, observedAt: Timestamp, latencyMilliseconds: Int64, error: ObservationError,
        chainSteps: Int?
    ) {
        self.init(target: target.id, source: source, observedAt: observedAt, latencyMilliseconds: latencyMilliseconds)
        statement.error = error
        statement.chainSteps = chainSteps
    }

    /// The statement for agent `agent` in `region` with sequence number `sequence`.
    public func observation(agent: String, region: String, sequence: Int64) -> Observation {
        var observation = statement
        observation.agent = agent
        observation.region = region
        observation.sequence = sequence
        return observation
    }

    /// `ok` or the error kind, for metrics and logs.
    public var resultLabel: String { statement.error?.kind.rawValue ?? "ok" }
}
