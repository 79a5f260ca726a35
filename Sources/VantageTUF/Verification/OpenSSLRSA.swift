import COpenSSL

/// RSA verification through the system OpenSSL (libcrypto); see ``RSAPublicKey`` for when it is used.
///
/// swift-crypto only verifies RSA-PSS signatures whose salt length equals the digest length, but TUF
/// producers also use the maximum salt (go-tuf) and securesystemslib verifies with "auto" salt. OpenSSL's
/// `RSA_PSS_SALTLEN_AUTO` recovers the salt length from the signature, so one verifier serves Notary (salt
/// exactly 32) and TUF (any salt). Pure computation; OpenSSL's error queue is cleared after every call.
enum OpenSSLRSA {
    enum Padding {
        /// RSASSA-PSS with SHA-256 and MGF1-SHA-256; `saltLength` nil means "any" (auto-detected).
        case pss(saltLength: Int32?)
        case pkcs1v15
    }

    /// Largest modulus accepted; bigger keys only cost CPU.
    static let maxBits = 16_384

    /// Verifies `signature` over a message whose SHA-256 is `digest`, with an OpenSSL `EVP_PKEY`.
    static func verify(key: OpaquePointer, signature: [UInt8], digest: [UInt8], padding: Padding) -> Bool {
        defer { ERR_clear_error() }
        guard digest.count == 32, let ctx = EVP_PKEY_CTX_new(key, nil) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_verify_init(ctx) == 1, EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 else { return false }
        switch padding {
        case .pss(let salt):
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt ?? RSA_PSS_SALTLEN_AUTO) == 1,
                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1
            else { return false }
        case .pkcs1v15:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else { return false }
        }
        return signature.withUnsafeBufferPointer { sig in
            digest.withUnsafeBufferPointer { md in
                EVP_PKEY_verify(ctx, sig.baseAddress, sig.count, md.baseAddress, md.count) == 1
            }
        }
    }
}
