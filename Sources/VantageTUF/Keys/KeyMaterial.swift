import Crypto

/// A decoded public key, ready to verify signatures.
public enum KeyMaterial: Sendable {
    case ed25519(Curve25519.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)
    /// An RSA key as DER SubjectPublicKeyInfo, with its modulus size.
    case rsa(spki: [UInt8], bits: Int)
    /// A key that cannot verify anything, and why.
    case unusable(String)

    /// The DER SubjectPublicKeyInfo of the key; `nil` when unusable.
    var spkiDER: [UInt8]? {
        switch self {
        case .ed25519(let key): return KeyMaterial.ed25519SPKIPrefix + key.rawRepresentation
        case .p256(let key): return Array(key.derRepresentation)
        case .rsa(let spki, _): return spki
        case .unusable: return nil
        }
    }

    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) } up to the key bytes (RFC 8410).
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Short algorithm name for reports.
    public var algorithm: String {
        switch self {
        case .ed25519: return "ed25519"
        case .p256: return "ecdsa-p256"
        case .rsa(_, let bits): return "rsa-\(bits)"
        case .unusable: return "unusable"
        }
    }
}
