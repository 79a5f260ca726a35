import VantageCore
import VantageTUF

/// A signed pin list ready to serve: the header, the whole-list JSON, its ETag and its Merkle tree for proofs.
///
/// The body is assembled from the header's and each pin's wire encoding, and each pin's place in it is kept, so a
/// one-pin response is a few copies out of bytes already in memory, and the next version (``replacing(pins:header:)``)
/// re-encodes and re-hashes only the pins it changes. The bytes are those `Canonical.encode` writes for a
/// ``PinList`` and a ``PinProof`` (sorted keys, no whitespace); the tests hold both equal.
struct PublishedPinList: Sendable {
    /// One pin of the list: its target, pinned digest and where its JSON lies in ``body``.
    struct Entry: Sendable {
        let target: String
        let sha256: String
        let range: Range<Int>
    }

    let header: SignedPinListHeader
    /// ``SignedPinListHeader/digest``: what the next list's `previous` names.
    let digest: String
    /// JSON of the whole list (`GET /v1/pins`).
    let body: [UInt8]
    /// JSON of the signed header.
    let headerBody: [UInt8]
    /// Strong ETag: the quoted header digest.
    let etag: String
    /// In list (target) order.
    let entries: [Entry]
    let tree: MerkleTree.Levels
    private let index: [String: Int]

    /// A list decoded whole (from storage or a test).
    init(list: PinList) throws {
        let pins = try list.pins.map { try Canonical.encode($0) }
        try self.init(header: list.header, targets: list.pins.map { ($0.target, $0.sha256) }, pins: pins, tree: nil)
    }

    /// - Parameters:
    ///   - targets: target and digest of each pin, in list order.
    ///   - pins: each pin's canonical JSON, in the same order.
    ///   - tree: the Merkle tree over those pins, when the caller already has it.
    private init(header: SignedPinListHeader, targets: [(String, String)], pins: [[UInt8]], tree: MerkleTree.Levels?) throws {
        self.header = header
        digest = try header.digest
        etag = "\"\(digest)\""
        headerBody = try Canonical.encode(header)
        // PinList's keys in sorted order: header, pins.
        var body = Array(#"{"header":"#.utf8) + headerBody + Array(#","pins":["#.utf8)
        body.reserveCapacity(body.count + pins.reduce(0) { $0 + $1.count + 1 } + 2)
        var entries: [Entry] = []
        entries.reserveCapacity(pins.count)
        for (n, bytes) in pins.enumerated() {
            if n > 0 { body.append(UInt8(ascii: ",")) }
            entries.append(Entry(target: targets[n].0, sha256: targets[n].1, range: body.count..<(body.count + bytes.count)))
            body.append(contentsOf: bytes)
        }
        body.append(contentsOf: Array("]}".utf8))
        self.body = body
        self.entries = entries
        if let tree {
            self.tree = tree
        } else {
            var leaves: [UInt8] = []
            leaves.reserveCapacity(pins.count * 32)
            for bytes in pins { leaves.append(contentsOf: MerkleTree.leafHash(bytes)) }
            self.tree = MerkleTree.Levels(flatLeaves: leaves)
        }
        index = Dictionary(entries.enumerated().map { ($1.target, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var version: Int64 { header.signed.version }
    var pinCount: Int { entries.count }

    /// The pinned digest for `target`, if the list has a pin for it.
    func sha256(for target: String) -> String? { index[target].map { entries[$0].sha256 } }

    /// JSON of the pin for `target`, if the list has one.
    func pinBody(for target: String) -> ArraySlice<UInt8>? { index[target].map { body[entries[$0].range] } }

    /// The Merkle root and size the next header signs after `changes` (target → new pin, or `nil` to drop it), and
    /// what ``replacing(pins:header:)`` needs to build that list. Pins replaced in place re-hash k·log n nodes; a
    /// pin added or dropped moves the later leaves, and the tree is rebuilt from the kept leaf hashes (no pin is
    /// re-encoded either way).
    func draft(_ changes: [String: Pin?]) throws -> Draft {
        var encoded: [String: [UInt8]] = [:]
        for case (let target, let pin?) in changes { encoded[target] = try Canonical.encode(pin) }
        let inPlace = changes.allSatisfy { index[$0.key] != nil && $0.value != nil }
        if inPlace {
            var leaves: [Int: [UInt8]] = [:]
            for (target, bytes) in encoded { leaves[index[target]!] = MerkleTree.leafHash(bytes) }
            let tree = tree.replacing(leaves)
            return Draft(base: self, changes: changes, encoded: encoded, targets: entries.map(\.target), tree: tree)
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
        return Draft(base: self, changes: changes, encoded: encoded, targets: ordered, tree: MerkleTree.Levels(flatLeaves: leaves))
    }

    /// The next list: the signed header over ``Draft/tree`` and the pins of the draft. Kept pins are copied as byte
    /// ranges of the previous body, and the target index is reused when no pin was added or dropped.
    static func make(_ draft: Draft, header: SignedPinListHeader) throws -> PublishedPinList {
        let headerBody = try Canonical.encode(header)
        var body = Array(#"{"header":"#.utf8) + headerBody + Array(#","pins":["#.utf8)
        body.reserveCapacity((draft.base?.body.count ?? 0) + draft.encoded.values.reduce(0) { $0 + $1.count } + 64)
        var entries: [Entry] = []
        entries.reserveCapacity(draft.targets.count)
        for target in draft.targets {
            if !entries.isEmpty { body.append(UInt8(ascii: ",")) }
            let start = body.count
            let sha256: String
            if let bytes = draft.encoded[target], case let pin?? = draft.changes[target] {
                sha256 = pin.sha256
                body.append(contentsOf: bytes)
            } else if let base = draft.base, let position = base.index[target] {
                sha256 = base.entries[position].sha256
                body.append(contentsOf: base.body[base.entries[position].range])
            } else {
                continue
            }
            entries.append(Entry(target: target, sha256: sha256, range: start..<body.count))
        }
        body.append(contentsOf: Array("]}".utf8))
        let reuse = draft.base.map { $0.entries.count == entries.count && zip($0.entries, entries).allSatisfy { $0.target == $1.target } } ?? false
        return try PublishedPinList(
            header: header, headerBody: headerBody, body: body, entries: entries, tree: draft.tree, index: reuse ? draft.base?.index : nil)
    }

    private init(
        header: SignedPinListHeader, headerBody: [UInt8], body: [UInt8], entries: [Entry], tree: MerkleTree.Levels, index: [String: Int]?
    ) throws {
        self.header = header
        digest = try header.digest
        etag = "\"\(digest)\""
        self.headerBody = headerBody
        self.body = body
        self.entries = entries
        self.tree = tree
        self.index = index ?? Dictionary(entries.enumerated().map { ($1.target, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A list under construction (``draft(_:)``).
    struct Draft {
        var base: PublishedPinList?
        var changes: [String: Pin?]
        var encoded: [String: [UInt8]]
        /// In list order.
        var targets: [String]
        var tree: MerkleTree.Levels

        /// The first list, from nothing.
        static func first(_ pins: [String: Pin?]) throws -> Draft {
            let kept = pins.compactMapValues { $0 }
            let ordered = kept.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var encoded: [String: [UInt8]] = [:]
            var leaves: [UInt8] = []
            for target in ordered {
                let bytes = try Canonical.encode(kept[target]!)
                encoded[target] = bytes
                leaves.append(contentsOf: MerkleTree.leafHash(bytes))
            }
            return Draft(base: nil, changes: pins, encoded: encoded, targets: ordered, tree: MerkleTree.Levels(flatLeaves: leaves))
        }
    }

    /// JSON of the ``PinProof`` for `target`: the pin with its audit path, read off the cached tree.
    func proofBody(for target: String) -> [UInt8]? {
        guard let position = index[target] else { return nil }
        let path = tree.proof(index: position)
        let range = entries[position].range
        var out: [UInt8] = []
        out.reserveCapacity(headerBody.count + range.count + path.count * 67 + 64)
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
        out.append(contentsOf: body[range])
        out.append(UInt8(ascii: "}"))
        return out
    }
}
