import Foundation
import VantageTUF

/// A root chain v1…vN built from fresh keys (``RootFixture``): version N is signed by the root keys of N-1 and N (a
/// proper rotation: every version rotates to a new key). Notary chains use ECDSA keys in x509 certificates whose CN is
/// `gun` (by default the wildcard `*`, which Notary matches as a prefix of any GUN), as the notary client requires.
public struct RootChain: Sendable {
    public var keys: [RootSigningKey]
    public var documents: [[UInt8]]
    private let fixture: RootFixture
    public var online: RootSigningKey { fixture.online }
    public var dialect: RootDialect { fixture.dialect }
    public var gun: String { fixture.gun }

    /// `count` versions, each expiring `expires`.
    public init(count: Int, dialect: RootDialect = .tuf, expires: Date = Date().addingTimeInterval(365 * 86_400), gun: String = "*") throws {
        fixture = try RootFixture(
            dialect, dialect == .notary ? .ecdsa : .ed25519, keys: 0, gun: gun, expires: expires,
            certificateValidity: (Date().addingTimeInterval(-86_400), expires))
        keys = []
        documents = []
        for version in 1...count {
            try append(version: version, expires: expires)
        }
    }

    /// A fresh root key of this chain's dialect (its certificate, in Notary, valid until `expires`).
    public func newKey(expires: Date) throws -> RootSigningKey { try fixture.newKey(notAfter: expires) }

    public mutating func append(version: Int, expires: Date) throws {
        let key = try newKey(expires: expires)
        let signers = keys.last.map { [$0, key] } ?? [key]
        keys.append(key)
        documents.append(try fixture.document(version: version, threshold: 1, keys: [key], signers: signers, expires: expires))
    }

    /// Version `version` signed only by its own key (the previous root's key missing): a broken rotation step.
    public func unchainedDocument(version: Int) throws -> [UInt8] {
        let expires = Date().addingTimeInterval(86_400 * 30)
        let key = try newKey(expires: expires)
        return try fixture.document(version: version, threshold: 1, keys: [key], signers: [key], expires: expires)
    }

    public func root(_ version: Int) throws -> Root { try Root.parse(documents[version - 1]) }

    /// Writes `N.root.json` for every version (or `versions`) into `directory`.
    public func write(to directory: String, versions: ClosedRange<Int>? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for version in versions ?? 1...documents.count {
            try Data(documents[version - 1]).write(to: URL(fileURLWithPath: "\(directory)/\(version).root.json"))
        }
    }
}
