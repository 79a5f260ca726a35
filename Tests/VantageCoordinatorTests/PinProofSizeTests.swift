import Foundation
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// A CI host that needs one pin of ten thousand downloads one small proof, and it verifies.
@Suite struct PinProofSizeTests {
    @Test func onePinOfTenThousandVerifiesAndIsSmall() throws {
        let agents = [TestAgent("agent-eu", "eu"), TestAgent("agent-us", "us")]
        let root = try Root.parse(try TestRepository().root(version: 1))
        let fingerprint = RootFingerprint(root)
        let issued = Timestamp(seconds: 1_780_000_000)
        let pins = try (0..<10_000).map { n in
            let target = "registry.example.org/team-\(n / 100)/image-\(n)"
            let attestations = try agents.map { agent in
                let statement = AttestationStatement(
                    agent: agent.id, target: target, kind: .notary, gun: target, sha256: fingerprint.sha256, observedAt: issued)
                return Attestation(
                    agent: agent.id, observedAt: issued, signature: ByteEncoding.base64Encode(try agent.identity.sign(try statement.signingBytes)))
            }
            return Pin(
                target: target, kind: .notary, gun: target, fingerprint: fingerprint, firstPinnedAt: issued, classification: "first",
                attestations: attestations)
        }
        let coordinator = SigningIdentity()
        let policy = ConsensusPolicy(quorum: 2, minRegions: 2)
        let list = try PinList.build(
            pins: pins, version: 7, issuedAt: issued, lifetimeSeconds: 86_400, previous: String(repeating: "0", count: 64),
            policy: policy, identity: coordinator)
        let published = try PublishedPinList(list: list)
        let proof = try #require(published.proof(for: "registry.example.org/team-42/image-4242"))
        #expect(proof == (try list.proof(for: "registry.example.org/team-42/image-4242")))
        let size = try Canonical.encode(proof).count
        print("one pin with its inclusion proof out of \(pins.count) pins: \(size) bytes (whole list \(published.body.count) bytes)")
        #expect(size < 10_000)
        let trust = TrustPolicy(
            coordinators: [.init(id: "c", publicKey: coordinator.publicKey)],
            agents: agents.map { TrustPolicy.Agent(id: $0.id, region: $0.region, publicKey: $0.identity.publicKey) },
            quorum: 2, minRegions: 2, maxAgeSeconds: 1800)
        #expect(PinListVerifier(policy: trust).verify(proof, accepted: nil, now: issued.adding(seconds: 60)) == nil)
        var tampered = proof
        tampered.pin.sha256 = String(repeating: "f", count: 64)
        #expect(PinListVerifier(policy: trust).verify(tampered, accepted: nil, now: issued.adding(seconds: 60))?.rule == "inclusion_proof")
    }
}
