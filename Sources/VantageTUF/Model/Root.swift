import Crypto
import Foundation

/// A parsed root metadata file of either dialect, with the exact bytes it was read from.
///
/// Parsing checks structure only (see ``parse(_:limits:)``); signatures are checked by ``RootVerifier``.
public struct Root: Sendable {
    /// The exact bytes as served.
    public let bytes: [UInt8]
    public let dialect: RootDialect
    /// The decoded `signed` object.
    public let signed: JSONValue
    /// Canonical JSON of `signed`: the bytes every signature covers.
    public var canonicalSigned: [UInt8] { message.bytes }
    /// The signed bytes with their SHA-256.
    package let message: SignedMessage
    public let signatures: [SignatureEntry]
    public let version: Int
    public let expires: Date
    /// `expires` exactly as written.
    public let expiresText: String
    /// TUF `spec_version`; `nil` for Notary.
    public let specVersion: String?
    public let consistentSnapshot: Bool?
    /// Keys by declared key ID.
    public let keys: [String: RootKey]
    /// The four top-level roles (and any others present) by name.
    public let roles: [String: RoleEntry]

    /// The root role (always present after parsing).
    public var rootRole: RoleEntry { roles["root"]! }

    /// The role names every root must define.
    public static let requiredRoles = ["root", "targets", "snapshot", "timestamp"]

    /// Parses and structurally validates a root.json.
    ///
    /// Checks: strict JSON (``JSONReader``); an object with `signed` (object) and `signatures` (array of
    /// objects with string `keyid` and `sig`); `_type` `"Root"` (Notary) or `"root"` (TUF); integer
    /// `version` ≥ 1; RFC 3339 `expires`; `keys` an object of well-formed key objects; all four roles with
    /// unique key IDs, each present in `keys`, and integer `threshold` ≥ 1.
    /// - Throws: ``TUFError``.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(TUFError) -> Root {
        let exact = Array(bytes)
        let document = try JSONReader(limits: limits).read(exact)
        guard case .object(let top) = document else { throw TUFError(.malformedRoot, "document is not an object") }
        guard let signed = top["signed"], case .object(let fields) = signed else {
            throw TUFError(.malformedRoot, "signed missing or not an object")
        }
        let dialect: RootDialect
        switch fields["_type"]?.stringValue {
        case "Root": dialect = .notary
        case "root": dialect = .tuf
        case let other?: throw TUFError(.wrongType, "signed._type is \"\(other)\", not Root/root")
        case nil: throw TUFError(.wrongType, "signed._type missing or not a string")
        }
        guard let rawSignatures = top["signatures"]?.arrayValue else {
            throw TUFError(.malformedRoot, "signatures missing or not an array")
        }
        let signatures = try rawSignatures.enumerated().map { (n, value) throws(TUFError) in
            try parseSignature(value, index: n, dialect: dialect)
        }

        guard let version = fields["version"]?.integerValue, version >= 1, version <= Int64(Int32.max) else {
            throw TUFError(.malformedRoot, "signed.version missing, not an integer, or < 1")
        }
        guard let expiresText = fields["expires"]?.stringValue else {
            throw TUFError(.malformedRoot, "signed.expires missing or not a string")
        }
        guard let expires = RFC3339.parse(expiresText) else {
            throw TUFError(.malformedRoot, "signed.expires \"\(expiresText)\" is not an RFC 3339 timestamp")
        }
        var specVersion: String?
        if let spec = fields["spec_version"] {
            guard let text = spec.stringValue else { throw TUFError(.malformedRoot, "spec_version is not a string") }
            specVersion = text
        } else if dialect == .tuf {
            throw TUFError(.malformedRoot, "signed.spec_version missing")
        }
        var consistentSnapshot: Bool?
        if let value = fields["consistent_snapshot"] {
            guard let flag = value.boolValue else {
                throw TUFError(.malformedRoot, "consistent_snapshot is not a boolean")
            }
            consistentSnapshot = flag
        }

        guard let keyObjects = fields["keys"]?.objectValue else {
            throw TUFError(.malformedRoot, "signed.keys missing or not an object")
        }
        var keys: [String: RootKey] = [:]
        for (id, object) in keyObjects {
            guard object.objectValue != nil else { throw TUFError(.malformedRoot, "key \(id) is not an object") }
            keys[id] = try KeyDecoder.decode(id: id, object: object, dialect: dialect)
        }

        guard let roleObjects = fields["roles"]?.objectValue else {
            throw TUFError(.malformedRoot, "signed.roles missing or not an object")
        }
        var roles: [String: RoleEntry] = [:]
        for (name, object) in roleObjects {
            roles[name] = try parseRole(name: name, object: object, keys: keys)
        }
        for name in requiredRoles where roles[name] == nil {
            throw TUFError(.malformedRoot, "role \(name) missing")
        }

        return Root(
            bytes: exact, dialect: dialect, signed: signed, message: SignedMessage(CanonicalJSON.encode(signed)),
            signatures: signatures, version: Int(version), expires: expires, expiresText: expiresText,
            specVersion: specVersion, consistentSnapshot: consistentSnapshot, keys: keys, roles: roles)
    }

    static func parseSignature(_ value: JSONValue, index: Int, dialect: RootDialect) throws(TUFError) -> SignatureEntry {
        guard let keyID = value["keyid"]?.stringValue, let sig = value["sig"]?.stringValue else {
            throw TUFError(.malformedRoot, "signatures[\(index)]: keyid or sig missing or not a string")
        }
        var method: String?
        if let m = value["method"] {
            guard let text = m.stringValue else {
                throw TUFError(.malformedRoot, "signatures[\(index)]: method is not a string")
            }
            method = text.lowercased()
        }
        var decoded: [UInt8]?
        if !sig.isEmpty {
            decoded = dialect == .notary ? ByteEncoding.base64Decode(sig) : ByteEncoding.hexDecode(sig)
        }
        return SignatureEntry(keyID: keyID, method: method, encoded: sig, bytes: decoded)
    }

    static func parseRole(name: String, object: JSONValue, keys: [String: RootKey]) throws(TUFError) -> RoleEntry {
        guard let ids = object["keyids"]?.arrayValue else {
            throw TUFError(.malformedRoot, "role \(name): keyids missing or not an array")
        }
        var keyIDs: [String] = []
        var seen = Set<String>()
        for value in ids {
            guard let id = value.stringValue else { throw TUFError(.malformedRoot, "role \(name): keyid not a string") }
            guard seen.insert(id).inserted else { throw TUFError(.malformedRoot, "role \(name): keyid \(id) listed twice") }
            guard keys[id] != nil else { throw TUFError(.malformedRoot, "role \(name): keyid \(id) not in keys") }
            keyIDs.append(id)
        }
        guard let threshold = object["threshold"]?.integerValue, threshold >= 1 else {
            throw TUFError(.malformedRoot, "role \(name): threshold missing, not an integer, or < 1")
        }
        return RoleEntry(keyIDs: keyIDs, threshold: Int(threshold))
    }

    /// Hex SHA-256 of the exact bytes.
    public var sha256: String { ByteEncoding.hexEncode(SHA256.hash(data: bytes)) }
    /// Hex SHA-256 of canonical `signed`: stable across re-formatting.
    public var canonicalSHA256: String { ByteEncoding.hexEncode(message.digest) }
}
