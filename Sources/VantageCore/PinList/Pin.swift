import VantageTUF

/// One target's pinned root in a pin list: the target, the source its root was fetched from, the digest of the
/// exact root bytes, and the agents' (and, for an unchained replacement, approvers') own signatures.
///
/// v2 carries nothing a client must take on the coordinator's word: version, expiry and root keys are recomputed
/// from the blob whose SHA-256 is attested (DESIGN.md trust property 5), and the verdict on continuity is in each
/// attestation.
public struct Pin: Sendable, Hashable, Codable {
    public var target: String
    public var source: RepositorySource
    /// SHA-256 of the exact root bytes (the blob to install).
    public var sha256: String
    /// Agents' signed statements for (target, source, sha256), at least `quorum` of them from `min_regions`.
    public var attestations: [Attestation]
    /// Approvers' signatures, present when the supporting agents attest an unchained replacement.
    public var approvals: [Approval]

    public init(target: String, source: RepositorySource, sha256: String, attestations: [Attestation], approvals: [Approval] = []) {
        self.target = target
        self.source = source
        self.sha256 = sha256
        self.attestations = attestations
        self.approvals = approvals
    }

    public var kind: TargetSpec.Kind { source.kind }
    public var gun: String? { source.gun }
}
