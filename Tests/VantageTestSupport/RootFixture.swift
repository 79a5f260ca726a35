import Foundation
import VantageTUF

/// Fresh root keys of one dialect and key type, an Ed25519 online key, and the root documents they sign: the one
/// root builder of every test target (tables over single roots, rotations, ``RootChain``). Keys are made at run
/// time, never stored. Notary keys other than Ed25519 carry an x509 certificate whose CN is ``gun``, as the notary
/// client requires.
public struct RootFixture: Sendable {
    /// The fixed instant the default expiry and certificate validity are relative to (tables evaluate at it).
    public static let now = RFC3339.parse("2026-06-01T00:00:00Z")!
    /// The GUN of Notary certificates unless a test names another.
    public static let gun = "example.test/app"

    public let dialect: RootDialect
    public let kind: RootSigningKey.Kind
    public let gun: String
    /// The root keys (a test may replace some to rotate).
    public var keys: [RootSigningKey]
    public let online: RootSigningKey
    /// The expiry of documents that name none.
    public let expires: Date
    private let notBefore: Date
    private let notAfter: Date
    private let isCA: Bool

    /// `count` root keys of `kind` and an Ed25519 online key. Documents expire at `expires` (default: a year after
    /// ``now``); certificates are valid over `certificateValidity` (default: 30 days before ``now`` to ten years
    /// after).
    public init(
        _ dialect: RootDialect = .tuf, _ kind: RootSigningKey.Kind = .ed25519, keys count: Int = 3, gun: String = Self.gun,
        expires: Date? = nil, certificateValidity: (Date, Date)? = nil, isCA: Bool = false
    ) throws {
        self.dialect = dialect
        self.kind = kind
        self.gun = gun
        self.expires = expires ?? Self.now.addingTimeInterval(86_400 * 365)
        (notBefore, notAfter) = certificateValidity ?? (Self.now.addingTimeInterval(-86_400 * 30), Self.now.addingTimeInterval(86_400 * 3650))
        self.isCA = isCA
        keys = []
        online = try RootSigningKey.generate(.ed25519)
        keys = try newKeys(count)
    }

    /// A fresh root key of this fixture's kind (certified for ``gun`` in Notary, until `notAfter` when given).
    public func newKey(notAfter: Date? = nil) throws -> RootSigningKey {
        let key = try RootSigningKey.generate(kind)
        guard dialect == .notary, kind != .ed25519 else { return key }
        return try key.withCertificate(gun: gun, notBefore: notBefore, notAfter: notAfter ?? self.notAfter, isCA: isCA)
    }

    public func newKeys(_ count: Int) throws -> [RootSigningKey] { try (0..<count).map { _ in try newKey() } }

    /// The builder of version `version` naming `keys` (default: ``keys``) with `threshold`.
    public func builder(version: Int = 1, threshold: Int = 2, keys: [RootSigningKey]? = nil, expires: Date? = nil) -> RootDocumentBuilder {
        RootDocumentBuilder(
            dialect: dialect, version: version, expires: expires ?? self.expires, rootKeys: keys ?? self.keys, rootThreshold: threshold,
            onlineKey: online)
    }

    /// The signed document of ``builder(version:threshold:keys:expires:)``, signed by `signers` (default: the first
    /// `threshold` keys it names).
    public func document(
        version: Int = 1, threshold: Int = 2, keys: [RootSigningKey]? = nil, signers: [RootSigningKey]? = nil, expires: Date? = nil
    ) throws -> [UInt8] {
        let builder = builder(version: version, threshold: threshold, keys: keys, expires: expires)
        return try builder.document(signedBy: signers ?? Array(builder.rootKeys.prefix(threshold)))
    }

    /// ``document(version:threshold:keys:signers:expires:)`` parsed.
    public func root(
        version: Int = 1, threshold: Int = 2, keys: [RootSigningKey]? = nil, signers: [RootSigningKey]? = nil, expires: Date? = nil
    ) throws -> Root {
        try Root.parse(document(version: version, threshold: threshold, keys: keys, signers: signers, expires: expires))
    }

    /// Parses `signed` + raw `signatures` assembled by hand.
    public func assemble(_ signed: JSONValue, signatures: [JSONValue]) throws -> Root {
        try Root.parse(CanonicalJSON.encodeWire(.object(["signed": signed, "signatures": .array(signatures)])))
    }

    /// `key`'s signature entry over `signed` in this fixture's dialect.
    public func signatureEntry(_ key: RootSigningKey, over signed: JSONValue) throws -> JSONValue {
        try key.signatureEntry(over: CanonicalJSON.encode(signed), dialect: dialect)
    }
}
