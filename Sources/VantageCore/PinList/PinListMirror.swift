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

    /// Largest JSON of one pin read from a mirror bundle, so a bundle is bounded before its root is checked: a real
    /// pin carries at most 2·quorum attestations of under 1 KB each, so 64 KiB is far above any real one.
    public static let maxPinBytes = 64 << 10
    /// Largest JSON of one index entry: a 64-hex root, a first target of at most 200 characters (escaped), a count.
    public static let maxIndexEntryBytes = 2 << 10

    /// Largest index of a list of `pinCount` pins: one entry per bundle and room for the fields around them.
    public static func maxIndexBytes(pinCount: Int) -> Int {
        // Clamped: an unverified header's count must not overflow the product.
        (min(max(pinCount, 0), Int(Int32.max)) / bundleSize + 3) * maxIndexEntryBytes
    }

    /// Largest bundle of `count` pins (an index entry's count, at most ``bundleSize`` once ``check(_:against:)`` passed).
    public static func maxBundleBytes(count: Int) -> Int { min(max(count, 1), bundleSize) * maxPinBytes }

    /// Why `index` is not the index of the list under `header`, or `nil` when it is: its bundles are the 256-pin
    /// runs of `pinCount` pins and their roots combine to the header's Merkle root. Checked before any bundle is
    /// fetched, so a forged index (a replayed genuine header with an index naming thousands of bundles) costs one read.
    public static func check(_ index: Index, against header: PinListHeader) -> PinListVerifier.Failure? {
        func refuse(_ why: String) -> PinListVerifier.Failure {
            PinListVerifier.Failure(rule: PinListVerifier.Rule.merkleRoot, "the mirror's index of list v\(header.version) \(why)")
        }
        guard index.type == Index.type, index.version == header.version else { return refuse("is of another list") }
        guard index.pinCount == header.pinCount, header.pinCount >= 0 else {
            return refuse("counts \(index.pinCount) pins, the header \(header.pinCount)")
        }
        // Every bundle but the last is full; compared without building the expected list (the count is unverified here).
        let bundles = header.pinCount / bundleSize + (header.pinCount % bundleSize > 0 ? 1 : 0)
        let laid = index.bundles.enumerated().allSatisfy { n, bundle in
            bundle.count == (n + 1 < bundles ? bundleSize : header.pinCount - n * bundleSize)
        }
        guard index.bundles.count == bundles, laid else {
            return refuse("is not \(bundles) bundles of \(bundleSize) consecutive pins")
        }
        let roots = index.bundles.compactMap { ByteEncoding.hexDecode($0.root) }.filter { $0.count == 32 }
        guard roots.count == index.bundles.count, ByteEncoding.hexEncode(MerkleTree.root(roots)) == header.merkleRoot else {
            return refuse("has bundle roots that do not combine to the header's Merkle root")
        }
        return nil
    }

    /// The hex Merkle root over `pins`: a bundle's name when it is the bundle the index says.
    public static func root(of pins: [Pin]) throws -> String {
        ByteEncoding.hexEncode(MerkleTree.root(try pins.map { MerkleTree.leafHash(try $0.leafBytes) }))
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
