import Foundation
import VantageTUF

/// Fresh keys and roots for adversarial tables.
struct FreshRoots: Sendable {
    static let now = RFC3339.parse("2026-06-01T00:00:00Z")!
    static let gun = "example.test/app"

    let dialect: RootDialect
    let kind: RootSigningKey.Kind
    let keys: [RootSigningKey]
    let online: RootSigningKey

    /// Three root keys of `kind` (with x509 certificates for Notary ECDSA/RSA) and an Ed25519 online key.
    init(_ dialect: RootDialect, _ kind: RootSigningKey.Kind, certificateValidity: (Date, Date)? = nil, isCA: Bool = false) throws {
        self.dialect = dialect
        self.kind = kind
        let validity = certificateValidity ?? (Self.now.addingTimeInterval(-86_400 * 30), Self.now.addingTimeInterval(86_400 * 3650))
        keys = try (0..<3).map { _ in
            let key = try RootSigningKey.generate(kind)
            guard dialect == .notary, kind != .ed25519 else { return key }
            return try key.withCertificate(gun: Self.gun, notBefore: validity.0, notAfter: validity.1, isCA: isCA)
        }
        online = try RootSigningKey.generate(.ed25519)
    }

    func builder(version: Int = 1, threshold: Int = 2, keys: [RootSigningKey]? = nil, expires: Date? = nil) -> RootDocumentBuilder {
        RootDocumentBuilder(
            dialect: dialect, version: version, expires: expires ?? Self.now.addingTimeInterval(86_400 * 365),
            rootKeys: keys ?? self.keys, rootThreshold: threshold, onlineKey: online)
    }

    func root(version: Int = 1, threshold: Int = 2, keys: [RootSigningKey]? = nil, signers: [RootSigningKey]? = nil,
              expires: Date? = nil) throws -> Root {
        let b = builder(version: version, threshold: threshold, keys: keys, expires: expires)
        return try Root.parse(b.document(signedBy: signers ?? Array(b.rootKeys.prefix(threshold))))
    }

    /// Parses `signed` + raw `signatures` assembled by hand.
    func assemble(_ signed: JSONValue, signatures: [JSONValue]) throws -> Root {
        try Root.parse(CanonicalJSON.encodeWire(.object(["signed": signed, "signatures": .array(signatures)])))
    }

    func signatureEntry(_ key: RootSigningKey, over signed: JSONValue) throws -> JSONValue {
        try key.signatureEntry(over: CanonicalJSON.encode(signed), dialect: dialect)
    }
}

extension JSONValue {
    /// A copy with `value` at the member path `path`.
    func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let first = path.first, case .object(var members) = self else { return path.isEmpty ? value : self }
        members[first] = (members[first] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        return .object(members)
    }
}

/// Every dialect/key-type combination: the matrix the adversarial tables run over.
let allCombinations: [(RootDialect, RootSigningKey.Kind)] = [
    (.notary, .ed25519), (.notary, .ecdsa), (.notary, .rsa), (.tuf, .ed25519), (.tuf, .ecdsa), (.tuf, .rsa),
]
