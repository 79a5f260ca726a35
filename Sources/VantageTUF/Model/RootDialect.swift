/// The two root metadata dialects Vantage reads.
public enum RootDialect: String, Sendable, Hashable, Codable {
    /// Notary v1 / Docker Content Trust: `"_type":"Root"`, base64, `method`, x509 root keys, raw r‖s ECDSA.
    case notary
    /// TUF 1.0 (python-tuf, go-tuf, Sigstore): `"_type":"root"`, hex, `scheme`, PEM keys, DER ECDSA.
    case tuf
}
