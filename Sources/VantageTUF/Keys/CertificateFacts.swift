import Foundation

/// What a Notary x509 root key's leaf certificate says about itself.
public struct CertificateFacts: Sendable, Hashable, Codable {
    /// The subject common name; Notary requires it to equal the GUN.
    public var subjectCN: String?
    public var notBefore: Date
    public var notAfter: Date
    /// Whether the leaf carries basicConstraints CA:TRUE (Notary refuses such a leaf).
    public var isCA: Bool
    /// Number of certificates in the PEM text (leaf first, then intermediates).
    public var chainLength: Int

    public init(subjectCN: String?, notBefore: Date, notAfter: Date, isCA: Bool, chainLength: Int) {
        self.subjectCN = subjectCN
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isCA = isCA
        self.chainLength = chainLength
    }

    enum CodingKeys: String, CodingKey {
        case subjectCN = "subject_cn"
        case notBefore = "not_before"
        case notAfter = "not_after"
        case isCA = "is_ca"
        case chainLength = "chain_length"
    }
}
