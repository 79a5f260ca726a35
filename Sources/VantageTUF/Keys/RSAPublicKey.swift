import COpenSSL

/// An RSA public key parsed once by OpenSSL and kept for every verification (OpenSSL 3's key decoder is far
/// more expensive than an RSA verification, so keys are never re-parsed per signature).
///
/// Immutable after creation; OpenSSL allows concurrent verifications with one `EVP_PKEY`.
public final class RSAPublicKey: @unchecked Sendable {
    let key: OpaquePointer
    /// Modulus size in bits.
    public let bits: Int

    /// Parses a DER SubjectPublicKeyInfo; `nil` unless it is exactly one RSA key of at most
    /// ``OpenSSLRSA/maxBits`` bits.
    init?(spki: [UInt8]) {
        defer { ERR_clear_error() }
        let parsed: OpaquePointer? = spki.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let key = d2i_PUBKEY(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }), EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA,
                EVP_PKEY_get_bits(key) <= OpenSSLRSA.maxBits
            else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else { return nil }
        key = parsed
        bits = Int(EVP_PKEY_get_bits(parsed))
    }

    deinit { EVP_PKEY_free(key) }
}
