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
    /// re-hashing all leaves per request, and a new version that changes k leaves in place re-hashes only their
    /// k·log n ancestors. An odd node at the end of a level moves up unchanged (RFC 6962's split at the largest
    /// power of two gives the same tree). Each level is one flat buffer of 32-byte hashes.
    public struct Levels: Sendable {
        /// `levels[0]` are the leaves; the last level holds the root alone.
        private var levels: [[UInt8]]

        public init(leaves: [[UInt8]]) {
            var flat: [UInt8] = []
            flat.reserveCapacity(leaves.count * 32)
            for leaf in leaves { flat.append(contentsOf: leaf) }
            self.init(flatLeaves: flat)
        }

        /// Leaves as one buffer of 32-byte hashes.
        public init(flatLeaves: [UInt8]) {
            var levels = [flatLeaves]
            while levels[levels.count - 1].count > 32 {
                let level = levels[levels.count - 1]
                let count = level.count / 32
                var next: [UInt8] = []
                next.reserveCapacity((count + 1) / 2 * 32)
                var i = 0
                while i < count {
                    next.append(contentsOf: i + 1 < count ? Self.parent(level, i) : Array(level[i * 32..<(i + 1) * 32]))
                    i += 2
                }
                levels.append(next)
            }
            self.levels = levels
        }

        private static func parent(_ level: [UInt8], _ left: Int) -> [UInt8] {
            var hasher = SHA256()
            hasher.update(data: [0x01])
            hasher.update(data: level[left * 32..<(left + 2) * 32])
            return Array(hasher.finalize())
        }

        /// Number of leaves.
        public var count: Int { levels[0].count / 32 }

        public var root: [UInt8] { levels[0].isEmpty ? Array(SHA256.hash(data: [UInt8]())) : levels[levels.count - 1] }

        /// The nodes `height` levels above the leaves (each over 2^height consecutive leaves, the last over the rest).
        public func nodes(height: Int) -> [[UInt8]] {
            let level = levels[min(height, levels.count - 1)]
            return stride(from: 0, to: level.count, by: 32).map { Array(level[$0..<$0 + 32]) }
        }

        /// The hash of leaf `index`.
        public func leaf(_ index: Int) -> [UInt8] { Array(levels[0][index * 32..<(index + 1) * 32]) }

        /// The same tree with the leaves at the given indices replaced: only their ancestors are re-hashed.
        public func replacing(_ changes: [Int: [UInt8]]) -> Levels {
            var copy = self
            var dirty = Set<Int>()
            for (index, hash) in changes where index >= 0 && index < count && hash.count == 32 {
                copy.levels[0].replaceSubrange(index * 32..<(index + 1) * 32, with: hash)
                dirty.insert(index)
            }
            for level in 1..<max(1, copy.levels.count) {
                let below = copy.levels[level - 1]
                let belowCount = below.count / 32
                var parents = Set<Int>()
                for index in dirty {
                    let parent = index / 2
                    parents.insert(parent)
                    let left = parent * 2
                    let hash = left + 1 < belowCount ? Self.parent(below, left) : Array(below[left * 32..<(left + 1) * 32])
                    copy.levels[level].replaceSubrange(parent * 32..<(parent + 1) * 32, with: hash)
                }
                dirty = parents
            }
            return copy
        }

        /// The audit path for leaf `index`, bottom-up; empty for an index outside the tree.
        public func proof(index: Int) -> [[UInt8]] {
            guard index >= 0, index < count else { return [] }
            var path: [[UInt8]] = []
            var i = index
            for level in levels.dropLast() {
                let sibling = i ^ 1
                if sibling < level.count / 32 { path.append(Array(level[sibling * 32..<(sibling + 1) * 32])) }
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
