/// A statement and its canonical JSON bytes (``Canonical/bytes(of:)``), encoded once: what is signed, verified,
/// hashed into an id and stored is these bytes, never a second encoding of the value that could differ.
public struct CanonicalStatement<Value: Encodable & Sendable>: Sendable {
    /// The statement.
    public let value: Value
    /// Its canonical JSON: what its signature covers.
    public let bytes: [UInt8]

    /// Encodes `value`.
    public init(_ value: Value) throws {
        self.value = value
        bytes = try Canonical.bytes(of: value)
    }
}
