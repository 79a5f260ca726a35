import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A private key that can sign root metadata, for building roots (demo, tests, benchmarks).
///
/// Verification never needs this type; it exists so fresh, properly signed roots of both dialects can be made
/// without external tools.
public struct RootSigningKey: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case ed25519, ecdsa, rsa
    }

    enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let backing: Backing
    /// For Notary root keys: a self-signed certificate (PEM) whose CN is the GUN.
    public private(set) var certificatePEM: String?

    public var kind: Kind {
        switch backing {
        case .ed25519: return .ed25519
        case .p256: return .ecdsa
        case .rsa: return .rsa
        }
    }

    /// A fresh random key. RSA keys are 2048 bits unless `weakRSA` asks for 1024 (tests of the size rule).
    public static func generate(_ kind: Kind, weakRSA: Bool = false) throws -> RootSigningKey {
        switch kind {
        case .ed25519: return RootSigningKey(backing: .ed25519(.init()))
        case .ecdsa: return RootSigningKey(backing: .p256(.init()))
        case .rsa:
            let key = weakRSA
                ? try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
                : try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return RootSigningKey(backing: .rsa(key))
        }
    }

    /// DER SubjectPublicKeyInfo of the public key.
    public var spkiDER: [UInt8] {
        switch backing {
        case .ed25519(let key): return KeyMaterial.ed25519SPKIPrefix + key.publicKey.rawRepresentation
        case .p256(let key): return Array(key.publicKey.derRepresentation)
        case .rsa(let key): return Array(key.publicKey.derRepresentation)
        }
    }

    /// Hex SHA-256 of ``spkiDER``, the value ``RootKey/spkiSHA256`` reports.
    public var spkiSHA256: String { ByteEncoding.hexEncode(SHA256.hash(data: spkiDER)) }

    /// A copy carrying a self-signed x509 certificate for `gun`, valid `notBefore` … `notAfter`, as Notary
    /// makes for root keys (ECDSA or RSA only). `isCA` makes a CA certificate, which Notary must refuse.
    public func withCertificate(gun: String, notBefore: Date, notAfter: Date, isCA: Bool = false) throws -> RootSigningKey {
        let privateKey: Certificate.PrivateKey
        let algorithm: Certificate.SignatureAlgorithm
        switch backing {
        case .p256(let key): (privateKey, algorithm) = (Certificate.PrivateKey(key), .ecdsaWithSHA256)
        case .rsa(let key): (privateKey, algorithm) = (Certificate.PrivateKey(key), .sha256WithRSAEncryption)
        case .ed25519: throw TUFError(.malformedRoot, "Notary root certificates use ECDSA or RSA keys")
        }
        let name = try DistinguishedName { CommonName(gun) }
        let constraints: BasicConstraints = isCA ? .isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority
        let extensions = try Certificate.Extensions {
            Critical(constraints)
            KeyUsage(digitalSignature: true, keyEncipherment: true)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: privateKey.publicKey, notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: name, subject: name, signatureAlgorithm: algorithm,
            extensions: extensions, issuerPrivateKey: privateKey)
        var copy = self
        copy.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        return copy
    }

    /// The key's entry for a root's `keys` map and its key ID, in `dialect`'s format.
    public func keyEntry(_ dialect: RootDialect) -> (id: String, entry: JSONValue) {
        switch dialect {
        case .notary:
            let (type, publicBytes): (String, [UInt8]) = {
                if let pem = certificatePEM { return (kind == .rsa ? "rsa-x509" : "ecdsa-x509", Array(pem.utf8)) }
                switch backing {
                case .ed25519(let key): return ("ed25519", Array(key.publicKey.rawRepresentation))
                case .p256: return ("ecdsa", spkiDER)
                case .rsa: return ("rsa", spkiDER)
                }
            }()
            let entry = JSONValue.object([
                "keytype": .string(type),
                "keyval": .object(["private": .null, "public": .string(ByteEncoding.base64Encode(publicBytes))]),
            ])
            return (KeyDecoder.notaryKeyID(keyType: type, publicBytes: publicBytes), entry)
        case .tuf:
            let (type, scheme, publicText): (String, String, String)
            switch backing {
            case .ed25519(let key):
                (type, scheme, publicText) = ("ed25519", "ed25519", ByteEncoding.hexEncode(key.publicKey.rawRepresentation))
            case .p256(let key): (type, scheme, publicText) = ("ecdsa", "ecdsa-sha2-nistp256", key.publicKey.pemRepresentation)
            case .rsa(let key): (type, scheme, publicText) = ("rsa", "rsassa-pss-sha256", key.publicKey.pemRepresentation)
            }
            let entry = JSONValue.object([
                "keytype": .string(type), "scheme": .string(scheme), "keyval": .object(["public": .string(publicText)]),
            ])
            return (ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(entry))), entry)
        }
    }

    /// A signature over `message` in `dialect`'s encoding (Notary: raw r‖s, PSS salt 32; TUF: DER).
    public func sign(_ message: [UInt8], dialect: RootDialect) throws -> [UInt8] {
        switch backing {
        case .ed25519(let key): return Array(try key.signature(for: message))
        case .p256(let key):
            let signature = try key.signature(for: message)
            return dialect == .notary ? Array(signature.rawRepresentation) : Array(signature.derRepresentation)
        case .rsa(let key):
            return Array(try key.signature(for: message, padding: .PSS).rawRepresentation)
        }
    }

    /// The `signatures` array entry for a signature by this key over `message`.
    public func signatureEntry(over message: [UInt8], dialect: RootDialect) throws -> JSONValue {
        let id = keyEntry(dialect).id
        let signature = try sign(message, dialect: dialect)
        switch dialect {
        case .notary:
            let method: String
            switch backing {
            case .ed25519: method = "eddsa"
            case .p256: method = "ecdsa"
            case .rsa: method = "rsapss"
            }
            return .object([
                "keyid": .string(id), "method": .string(method), "sig": .string(ByteEncoding.base64Encode(signature)),
            ])
        case .tuf:
            return .object(["keyid": .string(id), "sig": .string(ByteEncoding.hexEncode(signature))])
        }
    }
}
