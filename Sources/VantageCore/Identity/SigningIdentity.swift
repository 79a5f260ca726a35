import Crypto
import Foundation
import VantageTUF

/// An Ed25519 key pair that signs Vantage statements (an agent's or the coordinator's).
///
/// Key file format: one line `vantage-ed25519-private:<base64 of the 32-byte seed>`; public keys are shared as
/// standard base64 of the 32 raw bytes. The key ID is the hex SHA-256 of the raw public key.
public struct SigningIdentity: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public init() { key = .init() }

    static let filePrefix = "vantage-ed25519-private:"

    /// Reads the key file text.
    public init(fileContents: String) throws {
        let text = fileContents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(Self.filePrefix), let seed = ByteEncoding.base64Decode(String(text.dropFirst(Self.filePrefix.count))),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else { throw CoreError(.malformedKey, "not a Vantage Ed25519 private key file") }
        self.key = key
    }

    /// The key file text.
    public var fileContents: String { Self.filePrefix + ByteEncoding.base64Encode(key.rawRepresentation) + "\n" }

    public var publicKey: PublicIdentity { PublicIdentity(key.publicKey) }

    /// Ed25519 signature over `message`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try key.signature(for: message)) }
}

/// An Ed25519 public key, as listed in enrolments and trust policies.
public struct PublicIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    let key: Curve25519.Signing.PublicKey

    init(_ key: Curve25519.Signing.PublicKey) { self.key = key }

    /// Parses standard base64 of the 32 raw public key bytes.
    public init(base64: String) throws {
        guard let raw = ByteEncoding.base64Decode(base64), raw.count == 32,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw CoreError(.malformedKey, "public key is not base64 of 32 Ed25519 bytes") }
        self.key = key
    }

    public var base64: String { ByteEncoding.base64Encode(key.rawRepresentation) }
    /// Hex SHA-256 of the raw public key.
    public var keyID: String { ByteEncoding.hexEncode(SHA256.hash(data: key.rawRepresentation)) }
    public var description: String { base64 }

    /// Verifies an Ed25519 `signature` over `message` (counted: ``OperationCounters/Operation/ed25519Verification``).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        OperationCounters.record(.ed25519Verification)
        return signature.count == 64 && key.isValidSignature(signature, for: message)
    }

    public static func == (a: PublicIdentity, b: PublicIdentity) -> Bool { a.key.rawRepresentation == b.key.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(key.rawRepresentation) }

    public init(from decoder: any Decoder) throws {
        try self.init(base64: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(base64)
    }
}
