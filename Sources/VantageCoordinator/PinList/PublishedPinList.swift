import VantageCore
import VantageTUF

/// A signed pin list ready to serve: the header, each pin's JSON, its ETag and its Merkle tree for proofs.
///
/// Each pin's wire encoding is kept as its own bytes, in chunks of 256 pins (``Entries``), so the next version
/// (``draft(_:)``, ``make(_:header:)``) encodes and hashes only the pins it changes, copies only the chunks that hold
/// them, and shares every other chunk with the version before (arrays are copy-on-write): two versions of a
/// 100,000-pin list in memory cost one set of pins, not two, and replacing k pins costs O(k·256 + n/256), not O(n). The whole-list
/// JSON is never held: ``bodyChunks(chunkBytes:)`` serves it in pieces. Each pin is served as its canonical JSON
/// (``Pin/leafBytes``, the one encoder clients hash too), so every Merkle leaf is the hash of the bytes served; for pins
/// (whose strings are restricted ASCII) those are also the bytes `Canonical.encode` writes for a ``PinList`` and a
/// ``PinProof`` (sorted keys, no whitespace): the tests hold both equal.
struct PublishedPinList: Sendable {
    /// One pin of the list: its target, pinned digest and canonical JSON (its Merkle leaf's bytes).
    struct Entry: Sendable {
        let target: String
        let sha256: String
        let json: [UInt8]
    }

    let header: SignedPinListHeader
    /// ``SignedPinListHeader/digest``: what the next list's `previous` names.
    let digest: String
    /// JSON of the signed header.
    let headerBody: [UInt8]
    /// Strong ETag: the quoted header digest.
    let etag: String
    /// In list (target) order.
    let entries: Entries
    let tree: MerkleTree.Levels
    /// Length of the whole-list JSON (`GET /v1/pins`).
    let bodyCount: Int
    /// The sum of the pins' JSON lengths.
    private let pinBytes: Int
    private let index: [String: Int]

    /// Pins in list order, in chunks of ``chunkSize`` that versions share until one of their pins changes.
    struct Entries: RandomAccessCollection, Sendable {
        static let chunkSize = 256
        private var chunks: [[Entry]] = []
        let count: Int

        init(_ entries: [Entry]) {
            count = entries.count
            chunks = stride(from: 0, to: entries.count, by: Self.chunkSize).map { Array(entries[$0..<Swift.min(entries.count, $0 + Self.chunkSize)]) }
        }

        var startIndex: Int { 0 }
        var endIndex: Int { count }
        subscript(position: Int) -> Entry {
            get { chunks[position / Self.chunkSize][position % Self.chunkSize] }
            set { chunks[position / Self.chunkSize][position % Self.chunkSize] = newValue }
        }
    }

    /// A list decoded whole (from storage or a test).
    init(list: PinList) throws {
        let entries = try list.pins.map { Entry(target: $0.target, sha256: $0.sha256, json: try $0.leafBytes) }
        var leaves: [UInt8] = []
        leaves.reserveCapacity(entries.count * 32)
        for entry in entries { leaves.append(contentsOf: MerkleTree.leafHash(entry.json)) }
        try self.init(
            header: list.header, headerBody: try Canonical.encode(list.header), entries: Entries(entries),
            tree: MerkleTree.Levels(flatLeaves: leaves), pinBytes: nil, index: nil)
    }

    /// - Parameters:
    ///   - pinBytes: the sum of the pins' JSON lengths when known (counted otherwise).
    ///   - index: target → position when known (built otherwise).
    private init(
        header: SignedPinListHeader, headerBody: [UInt8], entries: Entries, tree: MerkleTree.Levels, pinBytes: Int?, index: [String: Int]?
    ) throws {
        self.header = header
        digest = try header.digest
        etag = "\"\(digest)\""
        self.headerBody = headerBody
        self.entries = entries
        self.tree = tree
        self.pinBytes = pinBytes ?? entries.reduce(0) { $0 + $1.json.count }
        bodyCount = Self.bodyPrefix.count + headerBody.count + Self.pinsOpen.count + self.pinBytes + max(0, entries.count - 1) + Self.bodySuffix.count
        self.index = index ?? Dictionary(entries.enumerated().map { ($1.target, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // PinList's keys in sorted order: header, pins.
    private static let bodyPrefix = Array(#"{"header":"#.utf8)
    private static let pinsOpen = Array(#","pins":["#.utf8)
    private static let bodySuffix = Array("]}".utf8)

    /// The whole-list JSON (``bodyCount`` bytes) in pieces of at least `chunkBytes` (the last may be shorter): what
    /// `GET /v1/pins` streams, so serving it needs no copy of the list.
    struct BodyChunks: Sequence, IteratorProtocol {
        let list: PublishedPinList
        let chunkBytes: Int
        private var position = 0
        private var done = false

        init(list: PublishedPinList, chunkBytes: Int) {
            self.list = list
            self.chunkBytes = chunkBytes
        }

        mutating func next() -> [UInt8]? {
            guard !done else { return nil }
            var chunk: [UInt8] = position == 0 ? PublishedPinList.bodyPrefix + list.headerBody + PublishedPinList.pinsOpen : []
            while position < list.entries.count {
                if position > 0 { chunk.append(UInt8(ascii: ",")) }
                chunk.append(contentsOf: list.entries[position].json)
                position += 1
                if chunk.count >= chunkBytes { return chunk }
            }
            done = true
            return chunk + PublishedPinList.bodySuffix
        }
    }

    func bodyChunks(chunkBytes: Int = 64 << 10) -> BodyChunks { BodyChunks(list: self, chunkBytes: chunkBytes) }

    /// The whole-list JSON in one array (tests, small lists).
    var body: [UInt8] { bodyChunks(chunkBytes: .max).reduce(into: []) { $0 += $1 } }

    var version: Int64 { header.signed.version }
    var pinCount: Int { entries.count }

    /// The pinned digest for `target`, if the list has a pin for it.
    func sha256(for target: String) -> String? { index[target].map { entries[$0].sha256 } }

    /// JSON of the pin for `target`, if the list has one.
    func pinBody(for target: String) -> [UInt8]? { index[target].map { entries[$0].json } }

    /// The Merkle root and size the next header signs after `changes` (target → new pin, or `nil` to drop it), and
    /// what ``make(_:header:)`` needs to build that list. Pins replaced in place re-hash k·log n nodes; a
    /// pin added or dropped moves the later leaves, and the tree is rebuilt from the kept leaf hashes (no pin is
    /// re-encoded either way).
    func draft(_ changes: [String: Pin?]) throws -> Draft {
        var encoded: [String: [UInt8]] = [:]
        for case (let target, let pin?) in changes { encoded[target] = try pin.leafBytes }
        let inPlace = changes.allSatisfy { index[$0.key] != nil && $0.value != nil }
        if inPlace {
            var leaves: [Int: [UInt8]] = [:]
            for (target, bytes) in encoded { leaves[index[target]!] = MerkleTree.leafHash(bytes) }
            return Draft(base: self, changes: changes, encoded: encoded, targets: nil, count: entries.count, tree: tree.replacing(leaves))
        }
        var targets = Set(entries.map(\.target))
        for (target, pin) in changes {
            if pin == nil { targets.remove(target) } else { targets.insert(target) }
        }
        let ordered = targets.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var leaves: [UInt8] = []
        leaves.reserveCapacity(ordered.count * 32)
        for target in ordered {
            if let bytes = encoded[target] {
                leaves.append(contentsOf: MerkleTree.leafHash(bytes))
            } else {
                leaves.append(contentsOf: tree.leaf(index[target]!))
            }
        }
        return Draft(
            base: self, changes: changes, encoded: encoded, targets: ordered, count: ordered.count, tree: MerkleTree.Levels(flatLeaves: leaves))
    }

    /// The next list: the signed header over ``Draft/tree`` and the pins of the draft. Kept pins share the previous
    /// list's bytes; when only pins in place changed, so does the target index and nothing else is visited.
    static func make(_ draft: Draft, header: SignedPinListHeader) throws -> PublishedPinList {
        func entry(_ target: String) -> Entry? {
            guard let bytes = draft.encoded[target], case let pin?? = draft.changes[target] else { return nil }
            return Entry(target: target, sha256: pin.sha256, json: bytes)
        }
        guard let targets = draft.targets else {
            let base = draft.base!
            var entries = base.entries
            var pinBytes = base.pinBytes
            for target in draft.encoded.keys {
                guard let position = base.index[target], let new = entry(target) else { continue }
                pinBytes += new.json.count - entries[position].json.count
                entries[position] = new
            }
            return try PublishedPinList(
                header: header, headerBody: try Canonical.encode(header), entries: entries, tree: draft.tree, pinBytes: pinBytes, index: base.index)
        }
        var entries: [Entry] = []
        entries.reserveCapacity(targets.count)
        for target in targets {
            if let new = entry(target) {
                entries.append(new)
            } else if let base = draft.base, let position = base.index[target] {
                entries.append(base.entries[position])
            }
        }
        return try PublishedPinList(
            header: header, headerBody: try Canonical.encode(header), entries: Entries(entries), tree: draft.tree, pinBytes: nil, index: nil)
    }

    /// A list under construction (``draft(_:)``).
    struct Draft {
        var base: PublishedPinList?
        var changes: [String: Pin?]
        var encoded: [String: [UInt8]]
        /// In list order; `nil` when they are the base's (every change replaces a pin in place).
        var targets: [String]?
        /// Pins in the list.
        var count: Int
        var tree: MerkleTree.Levels

        /// The first list, from nothing.
        static func first(_ pins: [String: Pin?]) throws -> Draft {
            let kept = pins.compactMapValues { $0 }
            let ordered = kept.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var encoded: [String: [UInt8]] = [:]
            var leaves: [UInt8] = []
            for target in ordered {
                let bytes = try kept[target]!.leafBytes
                encoded[target] = bytes
                leaves.append(contentsOf: MerkleTree.leafHash(bytes))
            }
            return Draft(
                base: nil, changes: pins, encoded: encoded, targets: ordered, count: ordered.count, tree: MerkleTree.Levels(flatLeaves: leaves))
        }
    }

    /// JSON of the ``PinProof`` for `target`: the pin with its audit path, read off the cached tree.
    func proofBody(for target: String) -> [UInt8]? {
        guard let position = index[target] else { return nil }
        let path = tree.proof(index: position)
        let pin = entries[position].json
        var out: [UInt8] = []
        out.reserveCapacity(headerBody.count + pin.count + path.count * 67 + 64)
        // PinProof's keys in sorted order: header, index, path, pin.
        out.append(contentsOf: #"{"header":"#.utf8)
        out.append(contentsOf: headerBody)
        out.append(contentsOf: #","index":"#.utf8)
        out.append(contentsOf: String(position).utf8)
        out.append(contentsOf: #","path":["#.utf8)
        for (n, sibling) in path.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: ByteEncoding.hexEncode(sibling).utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #"],"pin":"#.utf8)
        out.append(contentsOf: pin)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
