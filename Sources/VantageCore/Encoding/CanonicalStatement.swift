/// A statement and its canonical JSON bytes (``Canonical/bytes(of:)``), encoded once: what is signed, verified,
/// hashed into an id and stored is these bytes, never a second encoding of the value that could differ.
public struct CanonicalStatement<Value: Encodable & Sendable>: Sendable {
    public let value: Value
    public let bytes: [UInt8]

    /// Encodes `value`.
    public init(_ value: Value) throws {
        self.value = value
        bytes = try Canonical.bytes(of: value)
    }
}
