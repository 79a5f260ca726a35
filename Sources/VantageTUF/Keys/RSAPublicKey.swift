import COpenSSL
import Crypto
import Synchronization
import SwiftASN1
import _CryptoExtras

/// An RSA public key parsed once and kept for every verification.
///
/// Verification goes to swift-crypto (BoringSSL) for PKCS#1 v1.5 and for PSS with a 32-byte salt (Notary's and
/// python-tuf's choice); only a PSS signature with another salt (go-tuf uses the maximum) falls back to the
/// system OpenSSL, whose "auto" salt mode recovers the salt length. The OpenSSL key is built on first use from
/// the PKCS#1 encoding with `d2i_RSAPublicKey`, because OpenSSL 3's generic decoder (`d2i_PUBKEY`) costs several
/// RSA verifications per key. Immutable apart from that cached handle.
public final class RSAPublicKey: Sendable {
    /// Modulus size in bits (also for keys too short to be used).
    public let bits: Int
    let pkcs1: [UInt8]
    let boring: _RSA.Signing.PublicKey?
    let openSSL = Mutex<OpaquePointer?>(nil)

    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]

    /// Parses a DER SubjectPublicKeyInfo; `nil` unless it is an RSA key of at most ``OpenSSLRSA/maxBits`` bits.
    init?(spki: [UInt8]) {
        guard let pkcs1 = Self.pkcs1(fromSPKI: spki), let bits = Self.modulusBits(pkcs1: pkcs1), bits <= OpenSSLRSA.maxBits
        else { return nil }
        self.pkcs1 = pkcs1
        self.bits = bits
        // swift-crypto refuses keys under 2048 bits; those never verify anyway.
        boring = try? _RSA.Signing.PublicKey(derRepresentation: spki)
    }

    deinit {
        openSSL.withLock { key in if let key { EVP_PKEY_free(key) } }
    }

    /// Verifies `signature` over a message whose SHA-256 is `digest`.
    func verify(signature: [UInt8], digest: SHA256Digest, padding: OpenSSLRSA.Padding) -> Bool {
        if let boring {
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch padding {
            case .pkcs1v15: return boring.isValidSignature(sig, for: digest, padding: .insecurePKCS1v1_5)
            case .pss(let salt):
                if boring.isValidSignature(sig, for: digest, padding: .PSS) { return true }
                if salt == 32 { return false }
            }
        }
        guard let key = openSSLKey() else { return false }
        return OpenSSLRSA.verify(key: key, signature: signature, digest: Array(digest), padding: padding)
    }

    func openSSLKey() -> OpaquePointer? {
        openSSL.withLock { cached in
            if let cached { return cached }
            defer { ERR_clear_error() }
            cached = pkcs1.withUnsafeBufferPointer { buffer -> OpaquePointer? in
                var cursor = buffer.baseAddress
                guard let rsa = d2i_RSAPublicKey(nil, &cursor, buffer.count) else { return nil }
                defer { RSA_free(rsa) }
                guard let key = EVP_PKEY_new() else { return nil }
                guard EVP_PKEY_set1_RSA(key, rsa) == 1 else {
                    EVP_PKEY_free(key)
                    return nil
                }
                return key
            }
            return cached
        }
    }

    /// The PKCS#1 RSAPublicKey inside an rsaEncryption SubjectPublicKeyInfo.
    static func pkcs1(fromSPKI spki: [UInt8]) -> [UInt8]? {
        try? DER.sequence(try DER.parse(spki), identifier: .sequence) { nodes -> [UInt8] in
            guard let algorithm = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no algorithm") }
            let oid = try DER.sequence(algorithm, identifier: .sequence) { inner -> ASN1ObjectIdentifier in
                let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                _ = inner.next()  // NULL parameters
                return oid
            }
            guard oid == rsaEncryption else { throw ASN1Error.invalidASN1Object(reason: "not rsaEncryption") }
            let bits = try ASN1BitString(derEncoded: &nodes)
            guard bits.paddingBits == 0, nodes.next() == nil else { throw ASN1Error.invalidASN1Object(reason: "bad key bits") }
            return Array(bits.bytes)
        }
    }

    /// Bit length of the modulus of a PKCS#1 RSAPublicKey { modulus INTEGER, publicExponent INTEGER }.
    static func modulusBits(pkcs1: [UInt8]) -> Int? {
        try? DER.sequence(try DER.parse(pkcs1), identifier: .sequence) { nodes -> Int in
            let modulus = try ArraySlice<UInt8>(derEncoded: &nodes)
            _ = try ArraySlice<UInt8>(derEncoded: &nodes)
            guard nodes.next() == nil else { throw ASN1Error.invalidASN1Object(reason: "trailing data") }
            let bytes = modulus.drop { $0 == 0 }
            guard let first = bytes.first else { throw ASN1Error.invalidASN1Object(reason: "zero modulus") }
            return (bytes.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
    }
}
