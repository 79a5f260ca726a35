import VantageTUF

/// A pin list as static files, for any web server, object store or CDN to serve (C2SP tlog-tiles in spirit):
///
/// ```
/// MIRROR/latest.json            the newest signed header (the one file replaced in place)
/// MIRROR/headers/<V>.json       every signed header (the hash chain)
/// MIRROR/lists/<V>.json         the index of list V (``Index``): for each bundle its first target and subtree root
/// MIRROR/bundles/<root>.json    up to 256 consecutive pins, a JSON array, named by their Merkle subtree root
/// MIRROR/blobs/<sha256>         pinned root bytes
/// ```
///
/// Pins are in target order and bundles are aligned to 256 leaves, so a bundle's root is the tree's node over its
/// leaves and the list's Merkle root is the tree over the bundle roots: a client reads the header, the index and one
/// bundle, and ``proof(target:header:index:pins:)`` rebuilds the same ``PinProof`` the coordinator serves, verified
/// the same way. Nothing in the mirror is trusted: a wrong index or bundle only makes that proof fail. A list
/// version writes one index and only the bundles whose pins changed (a bundle's name is its content's root), so
/// 100,000 pins are about 400 files, not 100,000.
public enum PinListMirror {
    /// Leaves per bundle (2^8, one tile of height 8).
    public static let bundleSize = 256

    public struct Index: Sendable, Hashable, Codable {
        public static let type = "vantage-mirror-index/v1"
        public var type: String = Index.type
        public var version: Int64
        public var pinCount: Int
        public var bundles: [Bundle]

        public init(version: Int64, pinCount: Int, bundles: [Bundle]) {
            self.version = version
            self.pinCount = pinCount
            self.bundles = bundles
        }

        enum CodingKeys: String, CodingKey {
            case type, version, bundles
            case pinCount = "pin_count"
        }
    }

    public struct Bundle: Sendable, Hashable, Codable {
        /// Hex Merkle root over the bundle's pins (its file name).
        public var root: String
        /// The first pin's target.
        public var first: String
        public var count: Int

        public init(root: String, first: String, count: Int) {
            self.root = root
            self.first = first
            self.count = count
        }
    }

    /// The bundle that holds `target` if any does: the last whose first target is at or before it.
    public static func bundle(for target: String, in index: Index) -> Int? {
        var low = 0, high = index.bundles.count
        while low < high {
            let middle = (low + high) / 2
            if index.bundles[middle].first.utf8.lexicographicallyPrecedes(target.utf8) || index.bundles[middle].first == target {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low == 0 ? nil : low - 1
    }

    /// The inclusion proof of `target` from bundle `pins` (the index's bundle ``bundle(for:in:)``), or `nil` when the
    /// bundle lacks it or does not have the index's root.
    public static func proof(target: String, header: SignedPinListHeader, index: Index, pins: [Pin]) throws -> PinProof? {
        guard let position = bundle(for: target, in: index), let local = pins.firstIndex(where: { $0.target == target }) else { return nil }
        let leaves = try pins.map { MerkleTree.leafHash(try $0.leafBytes) }
        let inner = MerkleTree.Levels(leaves: leaves)
        guard ByteEncoding.hexEncode(inner.root) == index.bundles[position].root else { return nil }
        let roots = index.bundles.compactMap { ByteEncoding.hexDecode($0.root) }
        guard roots.count == index.bundles.count, roots.allSatisfy({ $0.count == 32 }) else { return nil }
        let outer = MerkleTree.Levels(leaves: roots)
        let path = inner.proof(index: local) + outer.proof(index: position)
        return PinProof(
            header: header, pin: pins[local], index: position * bundleSize + local, path: path.map(ByteEncoding.hexEncode))
    }
}
