/// One entry of a root's `keys` map, with everything Vantage derives from it.
public struct RootKey: Sendable {
    /// The key ID the metadata declares (the map key).
    public var declaredID: String
    public var keyType: String
    /// TUF `scheme`; `nil` for Notary keys.
    public var scheme: String?
    /// The key ID recomputed from the key content with the dialect's formula; `nil` if the content
    /// could not be decoded.
    public var recomputedID: String?
    /// The decoded key.
    public var material: KeyMaterial
    /// The key's DER SubjectPublicKeyInfo (as found, or built from a raw Ed25519 key or a bare P-256 point).
    public var spkiDER: [UInt8]?
    /// Hex SHA-256 of ``spkiDER``: the identity of the key material.
    public var spkiSHA256: String?
    /// For Notary x509 keys: the ID of the leaf certificate's public key (Notary's canonical root key ID).
    public var canonicalRootKeyID: String?
    /// For Notary x509 keys: the leaf certificate's facts.
    public var certificate: CertificateFacts?

    /// Whether the declared key ID equals the recomputed one.
    public var idMatches: Bool { recomputedID == declaredID }
}
