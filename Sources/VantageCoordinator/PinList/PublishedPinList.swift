import VantageCore
import VantageTUF

/// A signed pin list ready to serve: the document, its encodings, its ETag and the Merkle leaves for proofs.
struct PublishedPinList: Sendable {
    let list: PinList
    /// ``SignedPinListHeader/digest``: what the next list's `previous` names.
    let digest: String
    /// JSON of the whole list (`GET /v1/pins`).
    let body: [UInt8]
    /// JSON of the signed header.
    let headerBody: [UInt8]
    private let leaves: [[UInt8]]
    private let index: [String: Int]

    init(list: PinList) throws {
        self.list = list
        digest = try list.header.digest
        body = try Canonical.encode(list)
        headerBody = try Canonical.encode(list.header)
        leaves = try list.pins.map { MerkleTree.leafHash(try $0.leafBytes) }
        index = Dictionary(list.pins.enumerated().map { ($1.target, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var version: Int64 { list.header.signed.version }
    /// Strong ETag: the quoted header digest.
    var etag: String { "\"\(digest)\"" }

    /// One pin with its inclusion proof (computed from the cached leaves).
    func proof(for target: String) -> PinProof? {
        guard let position = index[target] else { return nil }
        return PinProof(
            header: list.header, pin: list.pins[position], index: position,
            path: MerkleTree.proof(index: position, leaves: leaves).map(ByteEncoding.hexEncode))
    }
}
