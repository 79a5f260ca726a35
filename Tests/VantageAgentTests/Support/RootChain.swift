import Foundation
import VantageTUF

/// A TUF root chain built from fresh keys: version N is signed by the root keys of N-1 and N (a proper rotation:
/// every version rotates to a new key). Notary chains use ECDSA keys in x509 certificates whose CN is `gun` (by
/// default the wildcard `*`, which Notary matches as a prefix of any GUN), as the notary client requires.
struct RootChain {
    var keys: [RootSigningKey]
    var documents: [[UInt8]]
    let online: RootSigningKey
    let dialect: RootDialect
    let gun: String

    /// `count` versions, each expiring `expires`.
    init(count: Int, dialect: RootDialect = .tuf, expires: Date = Date().addingTimeInterval(365 * 86_400), gun: String = "*") throws {
        self.dialect = dialect
        self.gun = gun
        online = try RootSigningKey.generate(.ed25519)
        keys = []
        documents = []
        for version in 1...count {
            try append(version: version, expires: expires)
        }
    }

    /// A fresh root key of this chain's dialect.
    func newKey(expires: Date) throws -> RootSigningKey {
        guard dialect == .notary else { return try RootSigningKey.generate(.ed25519) }
        return try RootSigningKey.generate(.ecdsa).withCertificate(gun: gun, notBefore: Date().addingTimeInterval(-86_400), notAfter: expires)
    }

    mutating func append(version: Int, expires: Date) throws {
        let key = try newKey(expires: expires)
        let builder = RootDocumentBuilder(
            dialect: dialect, version: version, expires: expires, rootKeys: [key], rootThreshold: 1, onlineKey: online)
        let signers = keys.last.map { [$0, key] } ?? [key]
        keys.append(key)
        documents.append(try builder.document(signedBy: signers))
    }

    /// Version `version` signed only by its own key (the previous root's key missing): a broken rotation step.
    func unchainedDocument(version: Int) throws -> [UInt8] {
        let key = try newKey(expires: Date().addingTimeInterval(86_400 * 30))
        return try RootDocumentBuilder(
            dialect: dialect, version: version, expires: Date().addingTimeInterval(86_400 * 30), rootKeys: [key], rootThreshold: 1,
            onlineKey: online
        ).document(signedBy: [key])
    }

    func root(_ version: Int) throws -> Root { try Root.parse(documents[version - 1]) }

    /// Writes `N.root.json` for every version into `directory`.
    func write(to directory: String, versions: ClosedRange<Int>? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for version in versions ?? 1...documents.count {
            try Data(documents[version - 1]).write(to: URL(fileURLWithPath: "\(directory)/\(version).root.json"))
        }
    }
}
