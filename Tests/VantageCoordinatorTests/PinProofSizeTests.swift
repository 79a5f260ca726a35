import Foundation
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// A CI host that needs one pin of ten thousand downloads one small proof, and it verifies.
@Suite struct PinProofSizeTests {
    static let agents = [TestAgent("agent-eu", "eu"), TestAgent("agent-us", "us")]
    static let issued = Timestamp(seconds: 1_780_000_000)
    static let coordinator = SigningIdentity()

    /// A signed list of `targets`, each pin attested by both agents.
    static func list(_ targets: [String]) throws -> PinList {
        let root = try Root.parse(try TestRepository().root(version: 1))
        let fingerprint = RootFingerprint(root)
        let pins = try targets.map { target in
            let source = RepositorySource(kind: .notary, normalisedURL: "https://notary.example.org", gun: target)
            let attestations = try agents.map { agent in
                let statement = AttestationStatement(
                    agent: agent.id, target: target, source: source, sha256: fingerprint.sha256, observedAt: issued, continuity: .firstSight)
                return Attestation(
                    agent: agent.id, observedAt: issued, continuity: .firstSight,
                    signature: ByteEncoding.base64Encode(try agent.identity.sign(try statement.signingBytes)))
            }
            return Pin(target: target, source: source, sha256: fingerprint.sha256, attestations: attestations)
        }
        return try PinList.build(
            pins: pins, version: 7, issuedAt: issued, lifetimeSeconds: 86_400, previous: String(repeating: "0", count: 64),
            policy: ConsensusPolicy(quorum: 2, minRegions: 2), identity: coordinator, coordinatorID: "c")
    }

    @Test func onePinOfTenThousandVerifiesAndIsSmall() throws {
        let agents = Self.agents, issued = Self.issued, coordinator = Self.coordinator
        let list = try Self.list((0..<10_000).map { "registry.example.org/team-\($0 / 100)/image-\($0)" })
        let pins = list.pins
        let published = try PublishedPinList(list: list)
        let target = "registry.example.org/team-42/image-4242"
        let body = try #require(published.proofBody(for: target))
        let proof = try Canonical.decode(PinProof.self, from: body)
        #expect(proof == (try list.proof(for: target)))
        #expect(published.sha256(for: target) == proof.pin.sha256 && published.proofBody(for: "registry.example.org/absent") == nil)
        let size = body.count
        print("one pin with its inclusion proof out of \(pins.count) pins: \(size) bytes (whole list \(published.body.count) bytes)")
        #expect(size < 10_000)
        let trust = TrustPolicy(
            coordinators: [.init(id: "c", publicKey: coordinator.publicKey)],
            agents: agents.map { TrustPolicy.Agent(id: $0.id, region: $0.region, publicKey: $0.identity.publicKey) },
            quorum: 2, minRegions: 2, maxAgeSeconds: 1800)
        let expected = PinListVerifier.Expectation(target: target, url: "https://notary.example.org")
        let verifier = PinListVerifier(policy: trust)
        #expect(throws: Never.self) { try verifier.verify(proof, expected: expected, state: [:], now: issued.adding(seconds: 60)).get() }
        var tampered = proof
        tampered.pin.sha256 = String(repeating: "f", count: 64)
        #expect(verifier.verify(tampered, expected: expected, state: [:], now: issued.adding(seconds: 60)).refusal == "inclusion_proof")
    }

    /// The served bytes are assembled from cached fragments; they must be exactly what encoding the documents
    /// writes, for every pin of lists of several sizes (empty, odd, over several chunks of 256, with escapes and non-ASCII
    /// targets).
    @Test("assembled list and proof bodies equal their documents' encodings", arguments: [0, 1, 2, 3, 5, 17, 300])
    func assembledBodiesMatchEncoding(_ count: Int) throws {
        let names = ["docker.io/library/ünïcode", "ghcr.io/a\\b\"c", "quay.io/x/y"]
        let list = try Self.list((0..<count).map { $0 < names.count ? names[$0] : "registry.example.org/image-\($0)" })
        let published = try PublishedPinList(list: list)
        let encoded = try Canonical.encode(list)
        #expect(published.body == encoded)
        #expect(published.bodyCount == encoded.count)
        // Served in chunks (GET /v1/pins streams it): small chunks join to the same bytes.
        for chunkBytes in [1, 100, 1 << 20] {
            var streamed: [UInt8] = []
            var chunks = 0
            for chunk in published.bodyChunks(chunkBytes: chunkBytes) {
                streamed += chunk
                chunks += 1
            }
            #expect(streamed == encoded, "chunks of \(chunkBytes)")
            if chunkBytes == 1 { #expect(chunks == count + 1) }
        }
        for (n, pin) in list.pins.enumerated() where count <= 64 || n % 29 == 0 || n == count - 1 {
            let proof = try #require(try list.proof(for: pin.target))
            #expect(published.proofBody(for: pin.target) == (try Canonical.encode(proof)), "\(pin.target)")
        }
    }

    /// A publication re-encodes and re-hashes only the pins it changes: the next list, made from the previous one
    /// and the changes, must be byte for byte the list built from scratch — pins replaced in place, added, dropped.
    @Test("the next list drafted from changes equals the list built whole", arguments: [2, 3, 5, 17, 64, 300])
    func draftedListEqualsBuiltList(_ count: Int) throws {
        let targets = (0..<count).map { "registry.example.org/image-\(String(format: "%04d", $0 * 2))" }
        let before = try Self.list(targets)
        let previous = try PublishedPinList(list: before)
        let scenarios: [(String, [String: Pin?])] = [
            ("replace the first", [targets[0]: Self.resigned(before.pins[0])]),
            ("replace every third", Dictionary(uniqueKeysWithValues: stride(from: 0, to: count, by: 3).map { (targets[$0], Self.resigned(before.pins[$0])) })),
            ("add one between", ["registry.example.org/image-001": try Self.list(["registry.example.org/image-001"]).pins[0]]),
            ("add one at the end", ["registry.example.org/zzz": try Self.list(["registry.example.org/zzz"]).pins[0]]),
            ("drop the last", [targets[count - 1]: Pin?.none]),
            ("drop one, replace one", [targets[0]: Pin?.none, targets[count - 1]: Self.resigned(before.pins[count - 1])]),
        ]
        for (name, changes) in scenarios {
            var pins = Dictionary(uniqueKeysWithValues: before.pins.map { ($0.target, $0) })
            for (target, pin) in changes { pins[target] = pin }
            let after = pins.values.sorted { $0.target.utf8.lexicographicallyPrecedes($1.target.utf8) }
            let draft = try previous.draft(changes)
            #expect((draft.targets ?? previous.entries.map(\.target)) == after.map(\.target) && draft.count == after.count, "\(name)")
            #expect(ByteEncoding.hexEncode(draft.tree.root) == ByteEncoding.hexEncode(MerkleTree.root(try after.map { MerkleTree.leafHash(try $0.leafBytes) })), "\(name)")
            let header = try PinList.build(
                pins: after, version: 8, issuedAt: Self.issued, lifetimeSeconds: 86_400, previous: try before.header.digest,
                policy: ConsensusPolicy(quorum: 2, minRegions: 2), identity: Self.coordinator, coordinatorID: "c").header
            let made = try PublishedPinList.make(draft, header: header)
            let whole = PinList(header: header, pins: after)
            #expect(made.body == (try Canonical.encode(whole)), "\(name)")
            // Every pin's proof in small lists; in large ones (a proof from the whole list costs O(n)) a spread of them.
            for (n, pin) in after.enumerated() where count <= 64 || n % 29 == 0 || n == after.count - 1 {
                #expect(made.proofBody(for: pin.target) == (try Canonical.encode(try #require(try whole.proof(for: pin.target)))), "\(name) \(pin.target)")
            }
        }
    }

    /// `pin` with its first attestation re-dated (a refresh), so its bytes and leaf change.
    static func resigned(_ pin: Pin) -> Pin {
        var pin = pin
        pin.attestations[0].observedAt = pin.attestations[0].observedAt.adding(seconds: 60)
        return pin
    }
}
