/// What happened to one signature when a role's threshold was counted.
public struct SignatureCheck: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Verified, and its key material counts toward the threshold.
        case valid
        /// Verified, but the same key material was already counted (one key under two key IDs, or the same
        /// key ID twice).
        case duplicate
        /// The signature does not verify.
        case invalid
        /// `sig` is empty: a placeholder for a keyholder who has not signed (tuf-on-ci).
        case emptyPlaceholder = "empty_placeholder"
        /// The key ID is not one of the role's keys.
        case notRoleKey = "not_role_key"
        /// Notary only: the key's content does not hash to the key ID (Notary rejects such signatures).
        case keyIDMismatch = "keyid_mismatch"
        /// RSA key shorter than 2048 bits.
        case weakKey = "weak_key"
        /// The key could not be decoded or its type is not supported.
        case unusableKey = "unusable_key"
        /// The signature's method/scheme does not fit the key type.
        case methodMismatch = "method_mismatch"
        /// The `sig` text is not valid base64 / hex.
        case undecodable
    }

    public var keyID: String
    public var outcome: Outcome
    public var detail: String?

    public init(keyID: String, outcome: Outcome, detail: String? = nil) {
        self.keyID = keyID
        self.outcome = outcome
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "keyid"
        case outcome, detail
    }
}
