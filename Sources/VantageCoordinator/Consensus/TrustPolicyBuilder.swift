import GRDB
import VantageCore

/// The ``VantageCore/TrustPolicy`` that matches this coordinator: its key, the enrolled agents and the quorum
/// rules of the consensus policy. Served at `GET /v1/policy` and used to verify every list before publishing.
enum TrustPolicyBuilder {
    static func policy(
        _ db: Database, identity: SigningIdentity, consensus: ConsensusPolicy, minPinListVersion: Int64
    ) throws -> TrustPolicy {
        let agents = try Row.fetchAll(db, sql: "SELECT id, region, public_key FROM agents ORDER BY id").map {
            TrustPolicy.Agent(id: $0["id"], region: $0["region"], publicKey: try PublicIdentity(base64: $0["public_key"]))
        }
        return TrustPolicy(
            coordinators: [.init(id: identity.publicKey.keyID, publicKey: identity.publicKey)], agents: agents,
            quorum: consensus.quorum, minRegions: consensus.minRegions, maxAgeSeconds: consensus.maxAgeSeconds,
            minPinListVersion: minPinListVersion)
    }
}
