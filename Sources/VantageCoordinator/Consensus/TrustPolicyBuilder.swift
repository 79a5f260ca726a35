import GRDB
import VantageCore

/// The ``VantageCore/TrustPolicy`` that matches this coordinator: its key, the enrolled agents, the configured
/// approvers, the quorum rules of the consensus policy and the source (and change policy) of every active target. Served at
/// `GET /v1/policy` (a starting point an operator reviews and distributes out of band) and used to check every
/// pin before it is published.
enum TrustPolicyBuilder {
    /// The approvers and threshold of the coordinator's configuration.
    struct Approvals: Sendable {
        var approvers: [ApproverKey]
        var threshold: Int
    }

    static func policy(
        _ db: Database, identity: SigningIdentity, consensus: ConsensusPolicy, approvals: Approvals, minPinListVersion: Int64,
        targets withTargets: Bool = true
    ) throws -> TrustPolicy {
        let agents = try RegistryStore.activeAgents(db).map {
            TrustPolicy.Agent(id: $0.id, region: $0.region, publicKey: try PublicIdentity(base64: $0.publicKey))
        }
        // An `oci` or `file` target states its change policy outright, so a client holds what this coordinator holds.
        let targets = try !withTargets ? [] : RegistryStore.activeTargets(db).compactMap { spec in
            spec.source.map { TrustPolicy.Target(id: spec.id, source: $0, changes: spec.kind.isRoot ? nil : spec.changePolicy) }
        }
        return TrustPolicy(
            coordinators: [.init(id: identity.publicKey.keyID, publicKey: identity.publicKey)], agents: agents,
            quorum: consensus.quorum, minRegions: consensus.minRegions, maxAgeSeconds: consensus.maxAgeSeconds,
            maxListAgeSeconds: consensus.maxAgeSeconds, minPinListVersion: minPinListVersion,
            approvers: approvals.approvers, approvalThreshold: approvals.threshold, targets: targets)
    }
}

extension CoordinatorConfiguration {
    var approvals: TrustPolicyBuilder.Approvals { .init(approvers: approvers, threshold: approvalThreshold) }
}
