/// One entry of a metadata file's `signatures` array, as found on the wire.
public struct SignatureEntry: Sendable, Hashable {
    /// The `keyid` the signer declared.
    public var keyID: String
    /// Notary's `method` (lower-cased, as Notary does); `nil` in TUF metadata.
    public var method: String?
    /// The `sig` text exactly as it appeared (base64 for Notary, hex for TUF).
    public var encoded: String
    /// The decoded signature bytes; `nil` when `sig` is empty or not valid base64/hex.
    public var bytes: [UInt8]?

    public init(keyID: String, method: String?, encoded: String, bytes: [UInt8]?) {
        self.keyID = keyID
        self.method = method
        self.encoded = encoded
        self.bytes = bytes
    }
}
