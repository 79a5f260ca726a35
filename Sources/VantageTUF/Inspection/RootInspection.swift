import Foundation

/// Everything `vantage root inspect` reports about one root (field names are a stable, documented API).
public struct RootInspection: Sendable, Encodable {
    /// One key of the root.
    public struct Key: Sendable, Encodable {
        public var keyID: String
        public var recomputedKeyID: String?
        public var keyIDMatches: Bool
        public var keyType: String
        public var scheme: String?
        public var algorithm: String
        public var spkiSHA256: String?
        public var canonicalRootKeyID: String?
        public var certificate: CertificateFacts?
        public var roles: [String]

        enum CodingKeys: String, CodingKey {
            case keyID = "keyid"
            case recomputedKeyID = "recomputed_keyid"
            case keyIDMatches = "keyid_matches"
            case keyType = "keytype"
            case scheme, algorithm, certificate, roles
            case spkiSHA256 = "spki_sha256"
            case canonicalRootKeyID = "canonical_root_keyid"
        }
    }

    public var dialect: RootDialect
    public var fingerprint: RootFingerprint
    public var specVersion: String?
    public var consistentSnapshot: Bool?
    /// `expires` exactly as written.
    public var expiresText: String
    public var expired: Bool
    public var keys: [Key]
    /// The root's signatures counted against its own root role.
    public var rootSignatures: ThresholdResult
    /// Notary GUN and certificate rules, when a GUN was given.
    public var notary: NotaryRootPolicy.Evaluation?
    public var findings: [Finding]

    /// Whether the root meets its own root threshold and, when a GUN was given, Notary's certificate rules.
    public var isValid: Bool { rootSignatures.isMet && (notary?.isMet ?? true) }

    enum CodingKeys: String, CodingKey {
        case dialect, fingerprint, keys, notary, findings, expired, valid
        case specVersion = "spec_version"
        case consistentSnapshot = "consistent_snapshot"
        case expiresText = "expires_text"
        case rootSignatures = "root_signatures"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isValid, forKey: .valid)
        try c.encode(dialect, forKey: .dialect)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encodeIfPresent(specVersion, forKey: .specVersion)
        try c.encodeIfPresent(consistentSnapshot, forKey: .consistentSnapshot)
        try c.encode(expiresText, forKey: .expiresText)
        try c.encode(expired, forKey: .expired)
        try c.encode(keys, forKey: .keys)
        try c.encode(rootSignatures, forKey: .rootSignatures)
        try c.encodeIfPresent(notary, forKey: .notary)
        try c.encode(findings, forKey: .findings)
    }
}
