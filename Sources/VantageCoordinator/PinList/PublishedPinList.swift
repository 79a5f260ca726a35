import VantageCore
import VantageTUF

/// A signed pin list ready to serve: the document, its encodings, its ETag and its Merkle tree for proofs.
///
/// The whole-list body is assembled from the header's and each pin's wire encoding, and the offsets of the pins
/// are kept, so that a one-pin response is a few copies out of bytes already in memory instead of a fresh
/// `JSONEncoder` pass over the header and pin per request. The bytes are those `Canonical.encode` writes for a
/// ``PinList`` and a ``PinProof`` (sorted keys, no whitespace); the tests hold both equal.
struct PublishedPinList: Sendable {
    let list: PinList
    /// ``SignedPinListHeader/digest``: what the next list's `previous` names.
    let digest: String
    /// JSON of the whole list (`GET /v1/pins`).
    let body: [UInt8]
    /// JSON of the signed header.
    let headerBody: [UInt8]
    /// Strong ETag: the quoted header digest.
    let etag: String
    /// Where each pin's JSON lies in ``body``, in list order.
    private let pinRanges: [Range<Int>]
    private let tree: MerkleTree.Levels
    private let index: [String: Int]

    init(list: PinList) throws {
        self.list = list
        digest = try list.header.digest
        etag = "\"\(digest)\""
        headerBody = try Canonical.encode(list.header)
        // PinList's keys in sorted order: header, pins.
        var body = Array(#"{"header":"#.utf8) + headerBody + Array(#","pins":["#.utf8)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(list.pins.count)
        for (n, pin) in list.pins.enumerated() {
            if n > 0 { body.append(UInt8(ascii: ",")) }
            let bytes = try Canonical.encode(pin)
            ranges.append(body.count..<(body.count + bytes.count))
            body.append(contentsOf: bytes)
        }
        body.append(contentsOf: Array("]}".utf8))
        self.body = body
        pinRanges = ranges
        tree = MerkleTree.Levels(leaves: try list.pins.map { MerkleTree.leafHash(try $0.leafBytes) })
        index = Dictionary(list.pins.enumerated().map { ($1.target, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var version: Int64 { list.header.signed.version }

    /// The pin for `target`, if the list has one.
    func pin(for target: String) -> Pin? { index[target].map { list.pins[$0] } }

    /// JSON of the ``PinProof`` for `target`: the pin with its audit path, read off the cached tree.
    func proofBody(for target: String) -> [UInt8]? {
        guard let position = index[target] else { return nil }
        let path = tree.proof(index: position)
        var out: [UInt8] = []
        out.reserveCapacity(headerBody.count + pinRanges[position].count + path.count * 67 + 64)
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
        out.append(contentsOf: body[pinRanges[position]])
        out.append(UInt8(ascii: "}"))
        return out
    }
}
