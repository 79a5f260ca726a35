import Foundation
import VantageTUF

/// Canonical JSON bytes of `Codable` statements: what agents and the coordinator sign.
///
/// The value is encoded with `JSONEncoder`, re-read by the strict ``JSONReader`` and written as canonical JSON,
/// so signer and verifier agree byte for byte whatever their encoder's key order or escaping.
public enum Canonical {
    public static func bytes(of value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        do {
            return CanonicalJSON.encode(try JSONReader(limits: .init(maxBytes: 64 << 20, maxDepth: 32)).read(data))
        } catch {
            throw CoreError(.malformedDocument, "cannot canonicalise: \(error)")
        }
    }

    /// Decodes `T` from JSON bytes with the project's date and key conventions; a failure is one line in words
    /// (``describe(_:)``).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw CoreError(.malformedDocument, "\(T.self): \(describe(error))")
        }
    }

    /// Encodes `value` as compact JSON with sorted keys (wire format; not necessarily canonical).
    public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
