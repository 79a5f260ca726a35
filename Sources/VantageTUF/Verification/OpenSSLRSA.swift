import COpenSSL

/// RSA verification through the system OpenSSL (libcrypto).
///
/// swift-crypto only verifies RSA-PSS signatures whose salt length equals the digest length, but TUF
/// producers also use the maximum salt (go-tuf) and securesystemslib verifies with "auto" salt. OpenSSL's
/// `RSA_PSS_SALTLEN_AUTO` recovers the salt length from the signature, so one verifier serves Notary (salt
/// exactly 32) and TUF (any salt). Pure computation: no I/O, no global state beyond OpenSSL's error queue,
/// which is cleared after every call.
enum OpenSSLRSA {
    enum Padding {
        /// RSASSA-PSS with SHA-256 and MGF1-SHA-256; `saltLength` nil means "any" (auto-detected).
        case pss(saltLength: Int32?)
        case pkcs1v15
    }

    /// Largest modulus accepted; bigger keys only cost CPU.
    static let maxBits = 16_384

    /// The modulus size of an RSA SubjectPublicKeyInfo; `nil` if the DER is not an RSA public key.
    static func bits(spki: [UInt8]) -> Int? {
        withKey(spki) { key in Int(EVP_PKEY_get_bits(key)) }
    }

    /// Verifies `signature` over SHA-256(`message`).
    static func verify(spki: [UInt8], signature: [UInt8], message: [UInt8], padding: Padding) -> Bool {
        withKey(spki) { key -> Bool in
            guard let ctx = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(ctx) }
            var pctx: OpaquePointer?
            guard EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nil, key) == 1, let pctx else { return false }
            switch padding {
            case .pss(let salt):
                guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt ?? RSA_PSS_SALTLEN_AUTO) == 1,
                    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1
                else { return false }
            case .pkcs1v15:
                guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 else { return false }
            }
            return signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in
                    EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count) == 1
                }
            }
        } ?? false
    }

    private static func withKey<T>(_ spki: [UInt8], _ body: (OpaquePointer) -> T) -> T? {
        defer { ERR_clear_error() }
        return spki.withUnsafeBufferPointer { buffer -> T? in
            var cursor = buffer.baseAddress
            guard let key = d2i_PUBKEY(nil, &cursor, buffer.count) else { return nil }
            defer { EVP_PKEY_free(key) }
            // The whole buffer must be the key, and it must be RSA of a sane size.
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }),
                EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA,
                EVP_PKEY_get_bits(key) <= maxBits
            else { return nil }
            return body(key)
        }
    }
}
