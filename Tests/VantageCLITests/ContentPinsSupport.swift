import Crypto
import Foundation
import VantageCore
import VantageTUF

/// Content pins (`oci` image tags, `file` bytes) in the world of ``PinsRefusalTests/World``: its coordinator, agents and
/// clock, any number of pins, and trust policies that list targets, approvers and change policies.
extension PinsRefusalTests.World {
    static let hub = ImageReference.dockerHubAPI

    /// The `oci` source of `image` as a client computes it.
    static func image(_ image: String) throws -> RepositorySource {
        let reference = try ImageReference(parsing: image)
        return RepositorySource(kind: .oci, normalisedURL: reference.apiBaseURL, gun: nil, repository: reference.repository, tag: reference.tag)
    }

    static func sha256(_ bytes: [UInt8]) -> String { ByteEncoding.hexEncode(SHA256.hash(data: bytes)) }

    /// A pin of `target` for `source` and `sha256`, attested by a1 and a2 (eu, us) with `continuity`, and approved by
    /// each of `approvers`.
    func pin(
        _ target: String, _ source: RepositorySource, sha256: String, continuity: Continuity = .firstSight,
        approvers: [(id: String, key: SigningIdentity)] = []
    ) throws -> Pin {
        let at = now.adding(seconds: -60)
        let attestations = try ["a1", "a2"].map { agent in
            let statement = AttestationStatement(agent: agent, target: target, source: source, sha256: sha256, observedAt: at, continuity: continuity)
            let key = agents.first { $0.id == agent }!.key
            return Attestation(agent: agent, observedAt: at, continuity: continuity, signature: ByteEncoding.base64Encode(try key.sign(try statement.signingBytes)))
        }
        let approvals = try approvers.map { try Approval(approver: $0.id, target: target, source: source, sha256: sha256, at: at, identity: $0.key) }
        return Pin(target: target, source: source, sha256: sha256, attestations: attestations, approvals: approvals)
    }

    /// A list of `pins` (sorted by target), signed by `signer` (default: the coordinator).
    func list(pins: [Pin], version: Int64 = 1, previous: String = "", signer: SigningIdentity? = nil) throws -> PinList {
        try PinList.build(pins: pins.sorted { $0.target.utf8.lexicographicallyPrecedes($1.target.utf8) }, version: version, issuedAt: now,
                          lifetimeSeconds: 3600, previous: previous, policy: ConsensusPolicy(), identity: signer ?? coordinator, coordinatorID: "c")
    }

    /// The world's trust policy (quorum 2 from 2 regions) with `targets` and `approvers` (threshold 1), written to `name`.
    func policy(targets: [TrustPolicy.Target], approvers: [(id: String, key: SigningIdentity)] = [], name: String = "policy.json") throws -> String {
        let trust = TrustPolicy(
            coordinators: [.init(id: "c", publicKey: coordinator.publicKey)],
            agents: agents.map { .init(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) },
            quorum: 2, minRegions: 2, maxAgeSeconds: 3600, approvers: approvers.map { ApproverKey(id: $0.id, publicKey: $0.key.publicKey) },
            targets: targets)
        let path = dir.appendingPathComponent(name).path
        try Data(try Canonical.encode(trust)).write(to: URL(fileURLWithPath: path))
        return path
    }
}
