import Crypto
import VantageTUF

/// The small signed part of a pin list (DESIGN.md trust property 2): version, times, the previous list's digest,
/// the policy in force and a Merkle root over the pins sorted by target.
public struct PinListHeader: Sendable, Hashable, Codable {
    /// v2: pins carry their source, agents' verdicts and approvals (``Pin``).
    public static let type = "vantage-pinlist/v2"

    public var type: String = PinListHeader.type
    public var version: Int64
    public var issuedAt: Timestamp
    public var expires: Timestamp
    /// Hex SHA-256 of the previous list's ``SignedPinListHeader/digest``; empty for version 1.
    public var previous: String
    /// Hex RFC 6962 Merkle root over ``Pin/leafBytes`` of the pins in target order.
    public var merkleRoot: String
    public var pinCount: Int
    public var policy: ConsensusPolicy
    /// Id of the coordinator whose key signs this header: the id of that key in the client's trust policy.
    /// Clients refuse a header whose id is not the id of the policy key that verified it, and keep their
    /// rollback state under that verified id.
    public var coordinator: String

    public init(
        version: Int64, issuedAt: Timestamp, expires: Timestamp, previous: String, merkleRoot: String, pinCount: Int,
        policy: ConsensusPolicy, coordinator: String
    ) {
        self.version = version
        self.issuedAt = issuedAt
        self.expires = expires
        self.previous = previous
        self.merkleRoot = merkleRoot
        self.pinCount = pinCount
        self.policy = policy
        self.coordinator = coordinator
    }

    enum CodingKeys: String, CodingKey {
        case type, version, expires, previous, policy, coordinator
        case issuedAt = "issued_at"
        case merkleRoot = "merkle_root"
        case pinCount = "pin_count"
    }
}

/// A header with the coordinator's signature.
public struct SignedPinListHeader: Sendable, Hashable, Codable {
    public var signed: PinListHeader
    /// Base64 Ed25519 signature over canonical JSON of `signed`.
    public var signature: String

    public init(signing header: PinListHeader, with identity: SigningIdentity) throws {
        signed = header
        signature = ByteEncoding.base64Encode(try identity.sign(try Canonical.bytes(of: header)))
    }

    /// Hex SHA-256 of canonical JSON of `signed`: what the next list's `previous` names.
    public var digest: String {
        get throws { ByteEncoding.hexEncode(SHA256.hash(data: try Canonical.bytes(of: signed))) }
    }
}

extension Pin {
    /// The bytes hashed into the Merkle tree: canonical JSON of the pin.
    public var leafBytes: [UInt8] {
        get throws { try Canonical.bytes(of: self) }
    }
}

/// A whole pin list: the signed header and every pin, sorted by target.
public struct PinList: Sendable, Hashable, Codable {
    public var header: SignedPinListHeader
    public var pins: [Pin]

    public init(header: SignedPinListHeader, pins: [Pin]) {
        self.header = header
        self.pins = pins
    }

    /// Builds and signs a list. Pins are sorted by target; the Merkle root covers them in that order.
    public static func build(
        pins: [Pin], version: Int64, issuedAt: Timestamp, lifetimeSeconds: Int64, previous: String,
        policy: ConsensusPolicy, identity: SigningIdentity, coordinatorID: String? = nil
    ) throws -> PinList {
        let sorted = pins.sorted { $0.target.utf8.lexicographicallyPrecedes($1.target.utf8) }
        let leaves = try sorted.map { MerkleTree.leafHash(try $0.leafBytes) }
        let header = PinListHeader(
            version: version, issuedAt: issuedAt, expires: issuedAt.adding(seconds: lifetimeSeconds), previous: previous,
            merkleRoot: ByteEncoding.hexEncode(MerkleTree.root(leaves)), pinCount: sorted.count, policy: policy,
            coordinator: coordinatorID ?? identity.publicKey.keyID)
        return PinList(header: try SignedPinListHeader(signing: header, with: identity), pins: sorted)
    }

    /// One pin with its inclusion proof, for clients that need a few pins of a large list.
    public func proof(for target: String) throws -> PinProof? {
        guard let index = pins.firstIndex(where: { $0.target == target }) else { return nil }
        let leaves = try pins.map { MerkleTree.leafHash(try $0.leafBytes) }
        return PinProof(
            header: header, pin: pins[index], index: index,
            path: MerkleTree.proof(index: index, leaves: leaves).map(ByteEncoding.hexEncode))
    }
}

/// One pin, its position, and the audit path to the header's Merkle root.
public struct PinProof: Sendable, Hashable, Codable {
    public var header: SignedPinListHeader
    public var pin: Pin
    public var index: Int
    /// Hex sibling hashes, bottom-up.
    public var path: [String]

    public init(header: SignedPinListHeader, pin: Pin, index: Int, path: [String]) {
        self.header = header
        self.pin = pin
        self.index = index
        self.path = path
    }
}
