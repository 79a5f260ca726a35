import Testing
import VantageCore
import VantageTUF

/// RFC 6962 §2.1 expected values.
///
/// Computed once, independently of the Swift code, with a 25-line python3 script implementing the RFC's recursive
/// definition (MTH split at the largest power of two smaller than n; leaf = SHA-256(0x00‖d), node = SHA-256(0x01‖l‖r);
/// PATH(m, D[n]) as in §2.1.1) and hard-coded here as test data. The `ctLeaves` roots and the size-8 audit paths
/// equal the RFC 6962 test vectors published with the certificate-transparency reference implementation.
enum RFC6962Vectors {
    /// The certificate-transparency test leaves: "", 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162…6f.
    static let ctLeaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map(bytes(hex:))

    /// MTH of the first n `ctLeaves`, n = 0…8.
    static let ctRoots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// PATH(m, ctLeaves[0..<8]) for m = 0…7, bottom-up.
    static let ctPaths8: [[String]] = [
        ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
        ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
        ["07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
        ["0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
        ["4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
        ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
        ["46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
        ["b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    ]

    /// MTH of the leaves "leaf-0" … "leaf-(n-1)" (UTF-8) for the list sizes the proof tables use.
    static let namedLeafRoots: [Int: String] = [
        1: "305df59f9590c3c9ac63d2b2743c388e3792449078cebf7fb3dbe6471643b2b7",
        2: "60a53eed0de87a90c8e59427c59c46253c33a76a09502a51801300927b7e6bdc",
        3: "cf763a041c81ceef1578a6083f75c61bef2e0014f2a3e683a97fcfca5be7f19a",
        4: "bdd1c5ff55b19cb6b0e7c761bf9a6ccaa27fbbfc07b74f1fabb6e911a0bd2ab3",
        5: "00d21829a5503145348abcf712513eacf2a274211ad83e970202bb5b6d80b286",
        7: "0b007fb915eb9b2a146f54b1c86ec53b664f8e455b7660b0b6ee13edc0d921c0",
        8: "ca6b7b3e674ac86c1027b59c87c064fc3bc27b313294c75f83bd05fdd13f0dcf",
        9: "1374d3a5ecbef4cd7c109e5d0127955f4ef014756496d70a0f99f65aa0ac8a30",
        100: "951b744704efaf33c0d9b4db1d656e9a9798959de4823f96396bd28baf5979ef",
    ]

    /// PATH(m, "leaf-0" … "leaf-4") for m = 0…4 (the odd last leaf is promoted, so m = 4 has a one-element path).
    static let namedPaths5: [[String]] = [
        ["3145c409f259b7c53e32036090ff76751025a2498ba9823ef718cac50b4e616f", "bd45ff28796704d88bdac51b1df553fda59837b616d6d1cb2114dbc3b087ff69", "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba"],
        ["305df59f9590c3c9ac63d2b2743c388e3792449078cebf7fb3dbe6471643b2b7", "bd45ff28796704d88bdac51b1df553fda59837b616d6d1cb2114dbc3b087ff69", "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba"],
        ["f76836325aec5699d8d71f8e42e9d47c5c29b08059ba296384f7ca40ad3a40ae", "60a53eed0de87a90c8e59427c59c46253c33a76a09502a51801300927b7e6bdc", "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba"],
        ["fca89f57c9f8c8eb4047a7ff9d333acf9e0f3384b20b255bceab0f216dcca267", "60a53eed0de87a90c8e59427c59c46253c33a76a09502a51801300927b7e6bdc", "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba"],
        ["bdd1c5ff55b19cb6b0e7c761bf9a6ccaa27fbbfc07b74f1fabb6e911a0bd2ab3"],
    ]

    static func namedLeaves(_ n: Int) -> [[UInt8]] { (0..<n).map { MerkleTree.leafHash(Array("leaf-\($0)".utf8)) } }
}

@Suite("MerkleTree (RFC 6962)")
struct MerkleTreeTests {
    @Test("roots of the certificate-transparency vectors, sizes 0…8", arguments: 0...8)
    func ctRoots(_ n: Int) {
        let leaves = RFC6962Vectors.ctLeaves.prefix(n).map(MerkleTree.leafHash)
        #expect(MerkleTree.root(leaves).hex == RFC6962Vectors.ctRoots[n])
    }

    @Test("roots of named leaves", arguments: [1, 2, 3, 4, 5, 7, 8, 9, 100])
    func namedRoots(_ n: Int) {
        #expect(MerkleTree.root(RFC6962Vectors.namedLeaves(n)).hex == RFC6962Vectors.namedLeafRoots[n])
    }

    @Test("audit paths of the CT vectors, size 8", arguments: 0..<8)
    func ctPaths(_ m: Int) throws {
        let leaves = RFC6962Vectors.ctLeaves.map(MerkleTree.leafHash)
        let path = MerkleTree.proof(index: m, leaves: leaves)
        #expect(path.map(\.hex) == RFC6962Vectors.ctPaths8[m])
        let root = try #require(MerkleTree.root(leaf: leaves[m], index: m, size: 8, proof: path))
        #expect(root.hex == RFC6962Vectors.ctRoots[8])
    }

    @Test("audit paths of named leaves, size 5 (promoted last leaf)", arguments: 0..<5)
    func namedPaths(_ m: Int) throws {
        let leaves = RFC6962Vectors.namedLeaves(5)
        let path = MerkleTree.proof(index: m, leaves: leaves)
        #expect(path.map(\.hex) == RFC6962Vectors.namedPaths5[m])
        #expect(MerkleTree.root(leaf: leaves[m], index: m, size: 5, proof: path)?.hex == RFC6962Vectors.namedLeafRoots[5])
    }

    @Test("a tree computed once answers every audit path of sizes 1…33 under its root", arguments: 1...33)
    func precomputedLevels(_ n: Int) {
        let leaves = RFC6962Vectors.namedLeaves(n)
        let tree = MerkleTree.Levels(leaves: leaves)
        #expect(tree.root == MerkleTree.root(leaves))
        for m in 0..<n {
            #expect(MerkleTree.root(leaf: leaves[m], index: m, size: n, proof: tree.proof(index: m)) == tree.root)
        }
        #expect(tree.proof(index: n).isEmpty && tree.proof(index: -1).isEmpty)
    }

    @Test("replacing leaves in place gives the tree built from scratch, for sizes 1…33", arguments: 1...33)
    func replacingLeaves(_ n: Int) {
        let leaves = RFC6962Vectors.namedLeaves(n)
        let tree = MerkleTree.Levels(leaves: leaves)
        for changed in [[0], [n - 1], Array(stride(from: 0, to: n, by: 3)), Array(0..<n)] {
            var after = leaves
            var changes: [Int: [UInt8]] = [:]
            for index in changed {
                after[index] = MerkleTree.leafHash(Array("changed \(index)".utf8))
                changes[index] = after[index]
            }
            let updated = tree.replacing(changes)
            #expect(updated.root == MerkleTree.root(after))
            #expect(updated.root != tree.root)
            for m in 0..<n { #expect(updated.proof(index: m) == MerkleTree.proof(index: m, leaves: after)) }
        }
        #expect(tree.replacing([:]).root == tree.root)
    }

    @Test("leaf and node hashes are domain-separated")
    func domainSeparation() {
        // A leaf whose data is (0x01 ‖ l ‖ r) must not hash like the node over l and r (second-preimage defence).
        let leaves = RFC6962Vectors.namedLeaves(2)
        let nodeAsLeaf = MerkleTree.leafHash([0x01] + leaves[0] + leaves[1])
        #expect(nodeAsLeaf != MerkleTree.root(leaves))
        #expect(MerkleTree.leafHash([]).hex == RFC6962Vectors.ctRoots[1])
    }

    @Test("out-of-range recomputations return nil")
    func outOfRange() {
        let leaf = MerkleTree.leafHash([])
        #expect(MerkleTree.root(leaf: leaf, index: 0, size: 0, proof: []) == nil)
        #expect(MerkleTree.root(leaf: leaf, index: -1, size: 1, proof: []) == nil)
        #expect(MerkleTree.root(leaf: leaf, index: 1, size: 1, proof: []) == nil)
        #expect(MerkleTree.root(leaf: leaf, index: 0, size: 1, proof: [leaf]) == nil)
        #expect(MerkleTree.root(leaf: leaf, index: 0, size: 1, proof: [])?.hex == RFC6962Vectors.ctRoots[1])
    }
}

/// Pin lists of several sizes, each pin attested by a1 (eu) and a2 (us).
enum ProofLists {
    static let sizes = [1, 2, 3, 4, 5, 7, 8, 9, 100]
    static let lists: [Int: PinList] = {
        let root = RootSet.shared.root(.v1)
        var lists: [Int: PinList] = [:]
        for n in sizes {
            let pins = try! (0..<n).map { i in
                try PinFixtures.attestedPin("t/\(String(1000 + i).dropFirst())", root: root, by: ["a1", "a2"], observedAt: PinListWorld.observedAt)
            }
            lists[n] = try! PinListWorld.build(pins, version: 1, previous: "")
        }
        return lists
    }()
    static let verifier = PinListVerifier(policy: Fleet.shared.trustPolicy())

    /// Verifies `proof` as the answer for its own pin's target (the inclusion tables; `proof_target` is tested apart).
    static func verify(_ proof: PinProof, state: [String: PinListVerifier.Accepted] = [:], now: Timestamp = Clock.now) -> PinListVerifier.Failure? {
        verifier.verify(proof, expected: .init(target: proof.pin.target), state: state, now: now).failure
    }
}

@Suite("PinProof inclusion proofs")
struct PinProofTests {
    @Test("every index of every size verifies; every tampering fails with inclusion_proof", arguments: ProofLists.sizes)
    func everyIndex(_ n: Int) throws {
        let list = try #require(ProofLists.lists[n])
        #expect(list.pins.count == n)
        #expect(ProofLists.verifier.verify(list, state: [:], now: Clock.now).coordinator == "coord")
        for (i, pin) in list.pins.enumerated() {
            let proof = try #require(try list.proof(for: pin.target))
            #expect(proof.index == i)
            #expect(ProofLists.verify(proof) == nil, "n \(n) index \(i)")

            var tampered: [(String, PinProof)] = []
            // Every other index for small lists; neighbours, siblings, mirror and ends for n = 100.
            let others = n <= 9 ? Array(0..<n) : [0, n - 1, i - 1, i + 1, i ^ 1, n - 1 - i].filter { (0..<n).contains($0) }
            for wrong in Set([-1, n, Int.max] + others).subtracting([i]).sorted() {
                var p = proof
                p.index = wrong
                tampered.append(("index \(wrong)", p))
            }
            if !proof.path.isEmpty {
                var p = proof
                p.path.removeLast()
                tampered.append(("truncated (last dropped)", p))
                p = proof
                p.path.removeFirst()
                tampered.append(("truncated (first dropped)", p))
                for k in proof.path.indices {
                    p = proof
                    var hash = bytes(hex: p.path[k])
                    hash[k % hash.count] ^= 0x01
                    p.path[k] = hash.hex
                    tampered.append(("flipped bit in path[\(k)]", p))
                }
                p = proof
                p.path.swapAt(0, p.path.count - 1)
                if p.path != proof.path { tampered.append(("path reordered", p)) }
                p = proof
                p.path[0] = "zz" + p.path[0].dropFirst(2)
                tampered.append(("non-hex path element", p))
            }
            var p = proof
            p.path.append(String(repeating: "00", count: 32))
            tampered.append(("extra zero element", p))
            p = proof
            p.path.insert(list.header.signed.merkleRoot, at: 0)
            tampered.append(("extra leading element (the root)", p))
            p = proof
            p.pin.sha256 = RootSet.shared.sha(.v2Replaced)
            tampered.append(("pin digest swapped", p))
            if n > 1 {
                p = proof
                p.pin = list.pins[(i + 1) % n]
                tampered.append(("another pin at this index", p))
            }

            for (what, proof) in tampered {
                let failure = ProofLists.verify(proof)
                #expect(failure?.rule == "inclusion_proof", "n \(n) index \(i): \(what) → \(failure.map(String.init(describing:)) ?? "verified")")
                #expect(failure?.target == proof.pin.target)
            }
        }
        #expect(try list.proof(for: "t/missing") == nil)
    }

    @Test("a proof's header is verified like a list's")
    func proofHeader() throws {
        let list = try #require(ProofLists.lists[5])
        let proof = try #require(try list.proof(for: list.pins[2].target))
        #expect(ProofLists.verify(proof, now: PinListWorld.issuedAt.adding(seconds: PinListWorld.lifetime))?.rule == "expired")
        #expect(ProofLists.verify(proof, state: ["coord": .init(version: 2, digest: "x")])?.rule == "rollback")
        #expect(ProofLists.verify(proof, state: ["coord": .init(version: 1, digest: "x")])?.rule == "equivocation")
        #expect(ProofLists.verify(proof, state: ["coord": .init(version: 1, digest: try list.header.digest)]) == nil)
        // State kept for another coordinator id is not this coordinator's.
        #expect(ProofLists.verify(proof, state: ["other": .init(version: 2, digest: "x")]) == nil)
        var forged = proof
        forged.header.signed.pinCount = 4
        #expect(ProofLists.verify(forged)?.rule == "coordinator_signature")
    }

    @Test("a proven pin still needs its quorum")
    func proofQuorum() throws {
        let target = "t/only"
        let sha = RootSet.shared.sha(.v1)
        let weak = PinFixtures.pin(target, attestations: [try Fleet.shared.attestation("a1", target: target, sha256: sha, observedAt: PinListWorld.observedAt)])
        let list = try PinListWorld.build([weak], version: 1, previous: "")
        let proof = try #require(try list.proof(for: target))
        #expect(ProofLists.verify(proof)?.summary == "quorum t/only -")
    }
}
