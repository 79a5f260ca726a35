import Crypto
import SwiftASN1
import X509

/// Turns a `keys` entry into a ``RootKey``: decoded material, recomputed key ID, SPKI digest and, for
/// Notary x509 keys, the canonical root key ID and certificate facts.
///
/// Structural problems (missing `keytype`, `keyval.public` not a string) throw; content problems (bad
/// base64, unknown key type, unparsable certificate) give a key whose material is `.unusable(reason)`, so
/// one bad non-root key does not hide the rest of the root.
enum KeyDecoder {
    static func decode(id: String, object: JSONValue, dialect: RootDialect) throws(TUFError) -> RootKey {
        guard let keyType = object["keytype"]?.stringValue else {
            throw TUFError(.malformedRoot, "key \(id): keytype missing or not a string")
        }
        guard let keyval = object["keyval"], keyval.objectValue != nil,
            let publicText = keyval["public"]?.stringValue
        else {
            throw TUFError(.malformedRoot, "key \(id): keyval.public missing or not a string")
        }
        switch dialect {
        case .notary:
            return notaryKey(id: id, keyType: keyType, publicText: publicText)
        case .tuf:
            guard let scheme = object["scheme"]?.stringValue else {
                throw TUFError(.malformedRoot, "key \(id): scheme missing or not a string")
            }
            return tufKey(id: id, keyType: keyType, scheme: scheme, publicText: publicText, object: object)
        }
    }

    // MARK: Notary

    static func notaryKey(id: String, keyType: String, publicText: String) -> RootKey {
        var key = RootKey(declaredID: id, keyType: keyType, scheme: nil, recomputedID: nil, material: .unusable(""))
        guard let publicBytes = ByteEncoding.base64Decode(publicText) else {
            key.material = .unusable("keyval.public is not base64")
            return key
        }
        key.recomputedID = notaryKeyID(keyType: keyType, publicBytes: publicBytes)
        switch keyType {
        case "ed25519":
            key.material = ed25519(raw: publicBytes)
            if case .ed25519 = key.material { key.spkiDER = KeyMaterial.ed25519SPKIPrefix + publicBytes }
        case "ecdsa":
            key.material = p256(spki: publicBytes)
            key.spkiDER = publicBytes
        case "rsa":
            key.material = rsa(spki: publicBytes)
            key.spkiDER = publicBytes
        case "ecdsa-x509", "rsa-x509":
            x509(&key, pemBytes: publicBytes, expectRSA: keyType == "rsa-x509")
        default:
            key.material = .unusable("unknown Notary key type \(keyType)")
        }
        if case .unusable = key.material { key.spkiDER = nil }
        key.spkiSHA256 = key.spkiDER.map { ByteEncoding.hexEncode(SHA256.hash(data: $0)) }
        return key
    }

    /// Notary's key ID: SHA-256 of canonical `{"keytype":T,"keyval":{"private":null,"public":"<b64>"}}`.
    static func notaryKeyID(keyType: String, publicBytes: [UInt8]) -> String {
        let object = JSONValue.object([
            "keytype": .string(keyType),
            "keyval": .object(["private": .null, "public": .string(ByteEncoding.base64Encode(publicBytes))]),
        ])
        return ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(object)))
    }

    static func x509(_ key: inout RootKey, pemBytes: [UInt8], expectRSA: Bool) {
        guard let blocks = pemBytes.withUnsafeBufferPointer({ PEM.blocks(bytes: $0) }),
            let leafBlock = blocks.first, leafBlock.label == "CERTIFICATE"
        else {
            key.material = .unusable("keyval.public is not a PEM certificate")
            return
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: leafBlock.der)
        } catch {
            key.material = .unusable("certificate does not parse: \(error)")
            return
        }
        var isCA = false
        if let constraints = try? certificate.extensions.basicConstraints,
            case .isCertificateAuthority = constraints
        {
            isCA = true
        }
        key.certificate = CertificateFacts(
            subjectCN: commonName(of: certificate.subject),
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            isCA: isCA,
            chainLength: blocks.count
        )
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate.publicKey)) != nil else {
            key.material = .unusable("certificate public key does not serialise")
            return
        }
        let spki = serializer.serializedBytes
        key.material = expectRSA ? rsa(spki: spki) : p256(spki: spki)
        if case .unusable = key.material { return }
        key.spkiDER = spki
        key.canonicalRootKeyID = notaryKeyID(keyType: expectRSA ? "rsa" : "ecdsa", publicBytes: spki)
    }

    static func commonName(of name: DistinguishedName) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(attribute.value) ?? attribute.value.description
            }
        }
        return nil
    }

    // MARK: TUF

    static func tufKey(id: String, keyType: String, scheme: String, publicText: String, object: JSONValue) -> RootKey {
        // The TUF key ID hashes the whole key object as stored, extra fields included.
        let recomputed = ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(object)))
        var key = RootKey(
            declaredID: id, keyType: keyType, scheme: scheme, recomputedID: recomputed, material: .unusable(""))
        var spki: [UInt8]?
        switch (keyType, scheme) {
        case ("ed25519", "ed25519"):
            if let raw = ByteEncoding.hexDecode(publicText) {
                key.material = ed25519(raw: raw)
                spki = KeyMaterial.ed25519SPKIPrefix + raw
            } else {
                key.material = .unusable("ed25519 key is not hex")
            }
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            // PEM SPKI, or (Sigstore v1-v4) the hex uncompressed point, wrapped into the same SPKI form so the
            // key material digest does not change when the encoding does.
            if let der = pemPublicKey(publicText) {
                spki = der
            } else if let point = ByteEncoding.hexDecode(publicText), point.count == 65, point[0] == 0x04 {
                spki = KeyMaterial.p256SPKIPrefix + point
            }
            key.material = spki.map(p256(spki:)) ?? .unusable("ecdsa key is neither PEM SPKI nor a hex P-256 point")
        case ("rsa", "rsassa-pss-sha256"), ("rsa", "rsa-pkcs1v15-sha256"):
            spki = pemPublicKey(publicText)
            key.material = spki.map(rsa(spki:)) ?? .unusable("rsa key is not PEM SPKI")
        default:
            key.material = .unusable("unsupported key type/scheme \(keyType)/\(scheme)")
        }
        if case .unusable = key.material { spki = nil }
        key.spkiDER = spki
        key.spkiSHA256 = spki.map { ByteEncoding.hexEncode(SHA256.hash(data: $0)) }
        return key
    }

    static func pemPublicKey(_ text: String) -> [UInt8]? {
        guard let blocks = PEM.blocks(in: text), blocks.count == 1, blocks[0].label == "PUBLIC KEY" else { return nil }
        return blocks[0].der
    }

    // MARK: Material

    static func ed25519(raw: [UInt8]) -> KeyMaterial {
        guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            return .unusable("ed25519 key is not 32 bytes")
        }
        return .ed25519(key)
    }

    static func p256(spki: [UInt8]) -> KeyMaterial {
        guard let key = try? P256.Signing.PublicKey(derRepresentation: spki) else {
            return .unusable("not a P-256 SubjectPublicKeyInfo")
        }
        return .p256(key)
    }

    static func rsa(spki: [UInt8]) -> KeyMaterial {
        guard let key = RSAPublicKey(spki: spki) else { return .unusable("not an RSA SubjectPublicKeyInfo") }
        return .rsa(key)
    }
}
