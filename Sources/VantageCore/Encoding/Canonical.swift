import Foundation
import VantageTUF

/// Canonical JSON bytes of `Codable` statements: what agents, the coordinator and clients sign and hash.
///
/// ``bytes(of:)`` is the one encoder behind every signature and every hash of a statement (observations,
/// attestations, approvals, pin list headers, Merkle leaves of pins, idempotency ids): the value is encoded with
/// `JSONEncoder`, re-read by the strict ``JSONReader`` and written as canonical JSON (formats.md §3: sorted keys, no
/// whitespace, only `"` and `\` escaped), so signer and verifier agree byte for byte whatever their encoder's key
/// order or escaping. ``encode(_:pretty:)`` writes documents and API bodies and is never hashed or signed.
public enum Canonical {
    /// The canonical JSON of `value` (counted: ``OperationCounters/Operation/canonicalEncoding``). Code that signs,
    /// hashes and stores one statement encodes it once (``CanonicalStatement``).
    public static func bytes(of value: some Encodable) throws -> [UInt8] {
        OperationCounters.record(.canonicalEncoding)
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

    /// Encodes `value` as compact JSON with sorted keys (wire format: control characters escaped, so not canonical;
    /// never hashed or signed, see ``bytes(of:)``).
    public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
