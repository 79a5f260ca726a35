import Testing
import VantageCore
import VantageTUF

/// A static mirror's bundles and index give every pin the same proof the coordinator serves, and nothing a mirror
/// changes gets a pin past verification.
@Suite("PinListMirror")
struct PinListMirrorTests {
    /// The mirror of `list` as a writer makes it: bundles of 256 consecutive pins, the index of their roots.
    static func mirror(_ list: PinList) throws -> (index: PinListMirror.Index, bundles: [String: [Pin]]) {
        let tree = MerkleTree.Levels(leaves: try list.pins.map { MerkleTree.leafHash(try $0.leafBytes) })
        let roots = tree.nodes(height: 8)
        var bundles: [String: [Pin]] = [:]
        var entries: [PinListMirror.Bundle] = []
        for (n, start) in stride(from: 0, to: list.pins.count, by: PinListMirror.bundleSize).enumerated() {
            let pins = Array(list.pins[start..<min(list.pins.count, start + PinListMirror.bundleSize)])
            let root = ByteEncoding.hexEncode(roots[n])
            bundles[root] = pins
            entries.append(.init(root: root, first: pins[0].target, count: pins.count))
        }
        return (.init(version: list.header.signed.version, pinCount: list.pins.count, bundles: entries), bundles)
    }

    static func list(_ count: Int) throws -> PinList {
        let root = RootSet.shared.root(.v1)
        let pins = try (0..<count).map { i in
            try PinFixtures.attestedPin("t/\(String(100_000 + i).dropFirst())", root: root, by: ["a1", "a2"], observedAt: PinListWorld.observedAt)
        }
        return try PinListWorld.build(pins, version: 1, previous: "")
    }

    @Test("every pin's proof from the mirror equals the coordinator's, and verifies", arguments: [1, 2, 255, 256, 257, 600])
    func proofsMatch(_ count: Int) throws {
        let list = try Self.list(count)
        let (index, bundles) = try Self.mirror(list)
        #expect(index.bundles.count == (count + 255) / 256)
        // The tree over the bundle roots is the list's tree.
        let roots = index.bundles.map { ByteEncoding.hexDecode($0.root)! }
        #expect(ByteEncoding.hexEncode(MerkleTree.root(roots)) == list.header.signed.merkleRoot)
        for pin in list.pins {
            let at = try #require(PinListMirror.bundle(for: pin.target, in: index))
            let proof = try #require(try PinListMirror.proof(target: pin.target, header: list.header, index: index, pins: bundles[index.bundles[at].root]!))
            #expect(proof == (try list.proof(for: pin.target)))
            #expect(ProofLists.verify(proof) == nil)
        }
        #expect(PinListMirror.bundle(for: "a/before-every-target", in: index) == nil)
    }

    @Test("a mirror that alters a pin, reorders a bundle or lies in its index gets no proof that verifies")
    func tamperedMirror() throws {
        let list = try Self.list(600)
        let (index, bundles) = try Self.mirror(list)
        let target = list.pins[300].target
        let genuine = bundles[index.bundles[1].root]!
        // Positive control: the untouched bundle proves the pin.
        #expect(ProofLists.verify(try #require(try PinListMirror.proof(target: target, header: list.header, index: index, pins: genuine))) == nil)

        var altered = genuine
        altered[44].sha256 = String(repeating: "f", count: 64)
        #expect(try PinListMirror.proof(target: target, header: list.header, index: index, pins: altered) == nil, "bundle root differs")
        // The same altered bundle with an index naming its root: the proof is built, and the header refuses it.
        var lying = index
        lying.bundles[1].root = ByteEncoding.hexEncode(MerkleTree.root(try altered.map { MerkleTree.leafHash(try $0.leafBytes) }))
        let forged = try #require(try PinListMirror.proof(target: target, header: list.header, index: lying, pins: altered))
        #expect(ProofLists.verify(forged)?.rule == PinListVerifier.Rule.inclusionProof)
        // A bundle with two pins swapped.
        var swapped = genuine
        swapped.swapAt(43, 44)
        #expect(try PinListMirror.proof(target: target, header: list.header, index: index, pins: swapped) == nil)
    }

    @Test("an index is checked against the header: the genuine one passes, a forged layout, count or root is refused", arguments: [1, 256, 257, 600])
    func indexAgainstHeader(_ count: Int) throws {
        let list = try Self.list(count)
        let header = list.header.signed
        let (index, _) = try Self.mirror(list)
        // Positive control: the writer's index of this list.
        #expect(PinListMirror.check(index, against: header) == nil)
        func refused(_ change: (inout PinListMirror.Index) -> Void) -> String? {
            var forged = index
            change(&forged)
            return PinListMirror.check(forged, against: header)?.rule
        }
        let rule = PinListVerifier.Rule.merkleRoot
        // Thousands of bundles named under a replayed genuine header.
        #expect(refused { $0.bundles += Array(repeating: $0.bundles[0], count: 5_000) } == rule)
        #expect(refused { $0.pinCount += 1 } == rule)
        #expect(refused { $0.version += 1 } == rule)
        #expect(refused { $0.bundles[$0.bundles.count - 1].count += 1 } == rule, "counts that do not sum to pin_count")
        #expect(refused { $0.bundles[0].root = String(repeating: "ab", count: 32) } == rule, "roots that do not combine to the Merkle root")
        #expect(refused { $0.bundles[0].root = "zz" } == rule)
        // A header with a forged pin count far beyond memory is refused, not allocated for.
        var huge = header
        huge.pinCount = Int.max
        #expect(PinListMirror.check(index, against: huge)?.rule == rule)
        #expect(PinListMirror.maxIndexBytes(pinCount: Int.max) > 0 && PinListMirror.maxIndexBytes(pinCount: -1) > 0)
    }

    @Test("the size caps follow the pin count: a bundle of n pins at most n × 64 KiB, an index one entry per bundle")
    func sizeCaps() {
        #expect(PinListMirror.maxBundleBytes(count: 1) == PinListMirror.maxPinBytes)
        #expect(PinListMirror.maxBundleBytes(count: 256) == 256 * PinListMirror.maxPinBytes)
        #expect(PinListMirror.maxBundleBytes(count: 1 << 40) == 256 * PinListMirror.maxPinBytes)
        #expect(PinListMirror.maxIndexBytes(pinCount: 100_000) < PinListMirror.maxIndexBytes(pinCount: 200_000))
    }
}
