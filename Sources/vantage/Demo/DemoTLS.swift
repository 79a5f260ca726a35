import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The demo registry's TLS: a CA made for this run and a certificate it issues for 127.0.0.1. An image's registry
/// is always reached over https (``VantageCore/ImageReference/apiBaseURL``), so the agents trust this CA through
/// `http.ca_bundle`, as an operator would for a private registry.
struct DemoTLS {
    /// The CA certificate, PEM: the agents' CA bundle.
    let caPEM: String
    /// The server's certificate chain and key.
    let server: TLSConfiguration

    init(now: Date) throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("vantage demo CA") }
        let validity = (now.addingTimeInterval(-300), now.addingTimeInterval(86_400))
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: validity.0,
            notValidAfter: validity.1, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let serverKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey), notValidBefore: validity.0,
            notValidAfter: validity.1, issuer: caName, subject: try DistinguishedName { CommonName("127.0.0.1") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(caKey))
        caPEM = try ca.serializeAsPEM().pemString + "\n"
        let chain = try NIOSSLCertificate(bytes: Array(try leaf.serializeAsPEM().pemString.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem)
        server = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(chain)], privateKey: .privateKey(key))
    }
}
