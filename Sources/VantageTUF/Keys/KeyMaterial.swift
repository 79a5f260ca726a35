import Crypto

/// A decoded public key, ready to verify signatures.
public enum KeyMaterial: Sendable {
    case ed25519(Curve25519.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)
    case rsa(RSAPublicKey)
    /// A key that cannot verify anything, and why.
    case unusable(String)

    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) } up to the key bytes (RFC 8410).
    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 } BIT STRING } up to the uncompressed point (RFC 5480).
    static let p256SPKIPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE,
        0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    /// Short algorithm name for reports.
    public var algorithm: String {
        switch self {
        case .ed25519: return "ed25519"
        case .p256: return "ecdsa-p256"
        case .rsa(let key): return "rsa-\(key.bits)"
        case .unusable: return "unusable"
        }
    }
}
