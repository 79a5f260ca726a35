import Crypto
import VantageTUF

/// RFC 6962 Merkle tree hashing: leaves `SHA-256(0x00 ‖ data)`, nodes `SHA-256(0x01 ‖ left ‖ right)`, with
/// audit paths that prove one leaf's inclusion under a root.
public enum MerkleTree {
    public static func leafHash(_ data: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: [0x00] + data)) }

    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The root over `leaves` (already leaf-hashed); the hash of the empty string for no leaves.
    public static func root(_ leaves: [[UInt8]]) -> [UInt8] { Levels(leaves: leaves).root }

    /// The audit path for leaf `index` (RFC 6962 §2.1.1), bottom-up.
    public static func proof(index: Int, leaves: [[UInt8]]) -> [[UInt8]] { Levels(leaves: leaves).proof(index: index) }

    /// Every level of the tree, computed once, so that a server answers each audit path in O(log n) instead of
    /// re-hashing all leaves per request. An odd node at the end of a level moves up unchanged (RFC 6962's split
    /// at the largest power of two gives the same tree).
    public struct Levels: Sendable {
        /// `levels[0]` are the leaves; the last level holds the root alone.
        private let levels: [[[UInt8]]]

        public init(leaves: [[UInt8]]) {
            var levels = [leaves]
            var level = leaves
            while level.count > 1 {
                var next: [[UInt8]] = []
                next.reserveCapacity((level.count + 1) / 2)
                var i = 0
                while i < level.count {
                    next.append(i + 1 < level.count ? nodeHash(level[i], level[i + 1]) : level[i])
                    i += 2
                }
                levels.append(next)
                level = next
            }
            self.levels = levels
        }

        public var root: [UInt8] { levels.last?.first ?? Array(SHA256.hash(data: [UInt8]())) }

        /// The audit path for leaf `index`, bottom-up; empty for an index outside the tree.
        public func proof(index: Int) -> [[UInt8]] {
            guard index >= 0, index < levels[0].count else { return [] }
            var path: [[UInt8]] = []
            var i = index
            for level in levels.dropLast() {
                let sibling = i ^ 1
                if sibling < level.count { path.append(level[sibling]) }
                i /= 2
            }
            return path
        }
    }

    /// Recomputes the root from a leaf hash, its index, the tree size and the audit path.
    public static func root(leaf: [UInt8], index: Int, size: Int, proof: [[UInt8]]) -> [UInt8]? {
        guard index >= 0, index < size else { return nil }
        var hash = leaf
        var i = index
        var last = size - 1
        var remaining = proof[...]
        while last > 0 {
            if i % 2 == 1 {
                guard let sibling = remaining.popFirst() else { return nil }
                hash = nodeHash(sibling, hash)
            } else if i < last {
                guard let sibling = remaining.popFirst() else { return nil }
                hash = nodeHash(hash, sibling)
            }
            i /= 2
            last /= 2
        }
        return remaining.isEmpty ? hash : nil
    }
}
