import Crypto
import SwiftASN1

/// A PEM `PUBLIC KEY` block's DER (SubjectPublicKeyInfo, RFC 5280 §4.1), fingerprinted as
/// `openssl pkey -pubin -outform DER | sha256sum` prints it.
enum PEMPublicKey {
    static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]

    /// The key, or `nil` when the DER is not exactly one SubjectPublicKeyInfo.
    static func key(der: [UInt8]) -> KeyFingerprint? {
        guard let algorithm = try? algorithmName(der: der) else { return nil }
        let digest = ByteEncoding.hexEncode(SHA256.hash(data: der))
        return KeyFingerprint(format: .pem, algorithm: algorithm, fingerprint: digest)
    }

    /// `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`, `ed25519`, `rsa`; otherwise the algorithm OID, or for an EC key on
    /// another curve the curve's OID, dotted.
    static func algorithmName(der: [UInt8]) throws -> String {
        try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
            guard let identifier = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no algorithm") }
            let name = try DER.sequence(identifier, identifier: .sequence) { algorithm in
                let oid = try ASN1ObjectIdentifier(derEncoded: &algorithm)
                let parameters = algorithm.next()
                switch oid {
                case .AlgorithmIdentifier.idEcPublicKey:
                    guard let parameters else { throw ASN1Error.invalidASN1Object(reason: "no curve") }
                    let curve = try ASN1ObjectIdentifier(derEncoded: parameters)
                    switch curve {
                    case .NamedCurves.secp256r1: return "ecdsa-p256"
                    case .NamedCurves.secp384r1: return "ecdsa-p384"
                    case .NamedCurves.secp521r1: return "ecdsa-p521"
                    default: return curve.description
                    }
                case .AlgorithmIdentifier.rsaEncryption: return "rsa"
                case ed25519: return "ed25519"
                default: return oid.description
                }
            }
            _ = try ASN1BitString(derEncoded: &nodes)
            return name
        }
    }
}
