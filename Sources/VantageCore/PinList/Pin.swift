import VantageTUF

/// One target's pinned root in a pin list, with the agents' own attestations that support it.
public struct Pin: Sendable, Hashable, Codable {
    public var target: String
    /// Target kind, so installers know where the root goes.
    public var kind: TargetSpec.Kind
    /// Notary GUN (the trust-dir path); `nil` for TUF.
    public var gun: String?
    /// SHA-256 of the exact root bytes (the blob to install).
    public var sha256: String
    public var canonicalSHA256: String
    public var version: Int
    public var expires: String
    public var rootKeys: [String]
    public var rootKeysDigest: String
    public var firstPinnedAt: Timestamp
    /// How this root became the pin: `first`, `resigned`, `rotated`, `replaced` (approved or held).
    public var classification: String
    /// Agents' signed statements for (target, sha256), at least `quorum` of them.
    public var attestations: [Attestation]

    public init(
        target: String, kind: TargetSpec.Kind, gun: String?, fingerprint: RootFingerprint, firstPinnedAt: Timestamp,
        classification: String, attestations: [Attestation]
    ) {
        self.target = target
        self.kind = kind
        self.gun = gun
        sha256 = fingerprint.sha256
        canonicalSHA256 = fingerprint.canonicalSHA256
        version = fingerprint.version
        expires = fingerprint.expires
        rootKeys = fingerprint.rootKeys
        rootKeysDigest = fingerprint.rootKeysDigest
        self.firstPinnedAt = firstPinnedAt
        self.classification = classification
        self.attestations = attestations
    }

    enum CodingKeys: String, CodingKey {
        case target, kind, gun, sha256, version, expires, classification, attestations
        case canonicalSHA256 = "canonical_sha256"
        case rootKeys = "root_keys"
        case rootKeysDigest = "root_keys_digest"
        case firstPinnedAt = "first_pinned_at"
    }
}
