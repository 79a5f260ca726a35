import Foundation
import VantageTUF

/// The publishers of the demo: a Notary repository and a TUF repository with freshly generated keys, properly
/// signed roots, a chained rotation, an unchained replacement, and an impostor's forged root.
struct DemoRepositories {
    static let gun = "demo.example/app"
    static let tufTarget = "demo-tuf"
    let now: Date
    var notaryKeys: [RootSigningKey] = []
    var tufKeys: [RootSigningKey] = []
    let online: RootSigningKey

    init(now: Date) throws {
        self.now = now
        online = try RootSigningKey.generate(.ecdsa)
        notaryKeys = [try notaryKey()]
        tufKeys = try (0..<3).map { _ in try RootSigningKey.generate(.ed25519) }
    }

    func notaryKey() throws -> RootSigningKey {
        try RootSigningKey.generate(.ecdsa).withCertificate(
            gun: Self.gun, notBefore: now.addingTimeInterval(-86_400), notAfter: now.addingTimeInterval(86_400 * 3650))
    }

    var expires: Date { now.addingTimeInterval(86_400 * 365) }

    /// Notary root `version` with `keys`, signed by `signers`.
    func notaryRoot(version: Int, keys: [RootSigningKey], signers: [RootSigningKey]) throws -> [UInt8] {
        try RootDocumentBuilder(dialect: .notary, version: version, expires: expires, rootKeys: keys, rootThreshold: 1, onlineKey: online)
            .document(signedBy: signers)
    }

    /// TUF root `version` with `keys` (threshold 2), signed by `signers`.
    func tufRoot(version: Int, keys: [RootSigningKey], signers: [RootSigningKey]) throws -> [UInt8] {
        try RootDocumentBuilder(dialect: .tuf, version: version, expires: expires, rootKeys: keys, rootThreshold: 2, onlineKey: online)
            .document(signedBy: signers)
    }

    static func notaryPath(_ name: String) -> String { "/v2/\(gun)/_trust/tuf/\(name)" }
    static func tufPath(_ version: Int) -> String { "/tuf/\(version).root.json" }
}
