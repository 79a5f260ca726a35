import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// The coordinator's Merkle leaves and the client's are one encoding (``Pin/leafBytes``): for pins whose strings are
/// not restricted ASCII (control characters, non-ASCII), the root the coordinator serves and the proofs it cuts are
/// the ones a client recomputes. Before one encoder, the coordinator hashed its wire encoding (control characters
/// escaped) and the client canonical JSON (written raw), and these lists would not have verified.
@Suite struct PinLeafEncodingTests {
    static let targets = ["registry.example.org/tab\there", "registry.example.org/line\nbreak", "registry.example.org/ünïcode\u{1}", "quay.io/plain"]

    @Test func coordinatorLeavesAreTheClientsLeaves() throws {
        let list = try PinProofSizeTests.list(Self.targets)
        // The case the wire encoder gets wrong is here: it writes these pins otherwise than canonical JSON.
        #expect(try list.pins.filter { try Canonical.encode($0) != $0.leafBytes }.count == 3)
        let published = try PublishedPinList(list: list)
        let drafted = try PublishedPinList.Draft.first(Dictionary(uniqueKeysWithValues: list.pins.map { ($0.target, Optional($0)) }))
        // The header was built with the client's leaves (PinList.build): both coordinator paths give its root.
        #expect(ByteEncoding.hexEncode(published.tree.root) == list.header.signed.merkleRoot)
        #expect(ByteEncoding.hexEncode(drafted.tree.root) == list.header.signed.merkleRoot)
        for (index, pin) in list.pins.enumerated() {
            #expect(published.pinBody(for: pin.target) == (try pin.leafBytes), "\(pin.target.debugDescription)")
            // The client's check of an inclusion proof cut from the coordinator's tree.
            let root = MerkleTree.root(
                leaf: MerkleTree.leafHash(try pin.leafBytes), index: index, size: list.pins.count, proof: published.tree.proof(index: index))
            #expect(root.map(ByteEncoding.hexEncode) == list.header.signed.merkleRoot, "\(pin.target.debugDescription)")
        }
    }
}
