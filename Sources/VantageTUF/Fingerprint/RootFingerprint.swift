import Crypto
import Foundation

/// The values agents report and the coordinator compares for one root.
///
/// - `sha256`: SHA-256 of the exact bytes served (what Notary's snapshot, consistent `root.<hex>.json` URLs
///   and the installed file use). Two agents agree on a root when this matches.
/// - `canonicalSHA256`: SHA-256 of canonical JSON of `signed`; equal for re-formatted copies of one root.
/// - `rootKeys`: sorted, distinct hex SHA-256 of the DER SubjectPublicKeyInfo of every root-role key
///   (`keyid:<id>` for a key that cannot be decoded), and `rootKeysDigest` = hex SHA-256 of those strings,
///   each followed by `\n`. Same key material under new key IDs gives the same digest.
public struct RootFingerprint: Sendable, Hashable, Codable {
    public var dialect: RootDialect
    public var sha256: String
    public var canonicalSHA256: String
    public var version: Int
    /// `expires` normalised to UTC, whole seconds.
    public var expires: String
    public var rootThreshold: Int
    public var rootKeys: [String]
    public var rootKeysDigest: String

    public init(_ root: Root) {
        dialect = root.dialect
        sha256 = root.sha256
        canonicalSHA256 = root.canonicalSHA256
        version = root.version
        expires = RFC3339.format(root.expires)
        rootThreshold = root.rootRole.threshold
        rootKeys = RootFingerprint.rootKeyMaterial(of: root)
        rootKeysDigest = RootFingerprint.digest(of: rootKeys)
    }

    /// The sorted, distinct key-material identifiers of `root`'s root-role keys.
    public static func rootKeyMaterial(of root: Root) -> [String] {
        Set(root.rootRole.keyIDs.map { id in root.keys[id]?.spkiSHA256 ?? "keyid:\(id)" }).sorted()
    }

    /// `rootKeysDigest` of key material from ``rootKeyMaterial(of:)`` (what `root inspect` and `query` show).
    public static func digest(of material: [String]) -> String {
        ByteEncoding.hexEncode(SHA256.hash(data: Array(material.map { $0 + "\n" }.joined().utf8)))
    }

    enum CodingKeys: String, CodingKey {
        case dialect, sha256, version, expires
        case canonicalSHA256 = "canonical_sha256"
        case rootThreshold = "root_threshold"
        case rootKeys = "root_keys"
        case rootKeysDigest = "root_keys_digest"
    }
}
