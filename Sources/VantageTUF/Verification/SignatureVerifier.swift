import Crypto

/// Verifies one signature with one key, following the dialect's encoding rules.
///
/// Notary: `method` selects the algorithm and must fit the key type; ECDSA signatures are raw r‖s (64
/// bytes), RSA-PSS uses a salt of exactly 32 bytes. TUF: the key's `scheme` selects the algorithm; ECDSA
/// signatures are DER, RSA-PSS accepts any salt length. RSA keys below 2048 bits never verify.
package enum SignatureVerifier {
    static let minimumRSABits = 2048

    static func check(signature: [UInt8], method: String?, key: RootKey, dialect: RootDialect, message: SignedMessage)
        -> (SignatureCheck.Outcome, String?)
    {
        switch key.material {
        case .unusable(let reason):
            return (.unusableKey, reason)
        case .rsa(let rsa) where rsa.bits < minimumRSABits:
            return (.weakKey, "RSA key of \(rsa.bits) bits; at least \(minimumRSABits) required")
        default:
            break
        }
        guard let algorithm = algorithm(method: method, key: key, dialect: dialect) else {
            return (.methodMismatch, "method \(method ?? "-") / scheme \(key.scheme ?? "-") does not fit key type \(key.keyType)")
        }
        // Once per process per (algorithm, key, signature, bytes): a root is checked again at every classification.
        let cached = VerificationCache.Key(
            algorithm: algorithm.name, key: key.material.identity, signature: signature, message: message.digest)
        let valid = VerificationCache.current.verify(cached) {
            verify(signature: signature, algorithm: algorithm, material: key.material, message: message)
        }
        return valid ? (.valid, nil) : (.invalid, nil)
    }

    package enum Algorithm {
        case ed25519
        case ecdsaRaw
        case ecdsaDER
        case rsaPSS(salt: Int32?)
        case rsaPKCS1v15

        /// The algorithm and its parameters, for ``VerificationCache/Key``.
        var name: String {
            switch self {
            case .ed25519: "ed25519"
            case .ecdsaRaw: "ecdsa-p256-raw"
            case .ecdsaDER: "ecdsa-p256-der"
            case .rsaPSS(let salt): "rsa-pss-sha256-salt-\(salt.map(String.init) ?? "any")"
            case .rsaPKCS1v15: "rsa-pkcs1v15-sha256"
            }
        }
    }

    package static func algorithm(method: String?, key: RootKey, dialect: RootDialect) -> Algorithm? {
        switch (dialect, key.material) {
        case (.notary, .ed25519): return method == "eddsa" ? .ed25519 : nil
        case (.notary, .p256): return method == "ecdsa" ? .ecdsaRaw : nil
        case (.notary, .rsa):
            switch method {
            case "rsapss": return .rsaPSS(salt: 32)
            case "rsapkcs1v15": return .rsaPKCS1v15
            default: return nil
            }
        case (.tuf, .ed25519): return key.scheme == "ed25519" ? .ed25519 : nil
        case (.tuf, .p256): return key.scheme == "ecdsa-sha2-nistp256" ? .ecdsaDER : nil
        case (.tuf, .rsa):
            switch key.scheme {
            case "rsassa-pss-sha256": return .rsaPSS(salt: nil)
            case "rsa-pkcs1v15-sha256": return .rsaPKCS1v15
            default: return nil
            }
        case (_, .unusable): return nil
        }
    }

    package static func verify(signature: [UInt8], algorithm: Algorithm, material: KeyMaterial, message: SignedMessage) -> Bool {
        switch (algorithm, material) {
        case (.ed25519, .ed25519(let key)):
            return key.isValidSignature(signature, for: message.bytes)
        case (.ecdsaRaw, .p256(let key)):
            guard signature.count == 64, let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(sig, for: message.digest)
        case (.ecdsaDER, .p256(let key)):
            guard let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: message.digest)
        case (.rsaPSS(let salt), .rsa(let key)):
            return key.verify(signature: signature, digest: message.digest, padding: .pss(saltLength: salt))
        case (.rsaPKCS1v15, .rsa(let key)):
            return key.verify(signature: signature, digest: message.digest, padding: .pkcs1v15)
        default:
            return false
        }
    }
}

/// The bytes every signature of a document covers (canonical `signed`), with their SHA-256 computed once.
package struct SignedMessage: Sendable {
    package let bytes: [UInt8]
    package let digest: SHA256Digest

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        digest = SHA256.hash(data: bytes)
    }
}

extension KeyMaterial {
    /// The decoded key's own bytes (never the name a document gives it), for ``VerificationCache/Key``.
    var identity: [UInt8] {
        switch self {
        case .ed25519(let key): Array(key.rawRepresentation)
        case .p256(let key): Array(key.x963Representation)
        case .rsa(let key): key.pkcs1
        case .unusable: []
        }
    }
}
