/// The outcome of counting one role's signatures on one document.
public struct ThresholdResult: Sendable, Hashable, Encodable {
    public var threshold: Int
    /// Key IDs whose signatures verified and counted, in signature order.
    public var countedKeyIDs: [String]
    /// Hex SPKI SHA-256 of each counted key: the distinct key material behind the count.
    public var countedKeyMaterial: [String]
    /// Every signature with its outcome.
    public var checks: [SignatureCheck]

    /// Number of distinct keys that signed.
    public var count: Int { countedKeyMaterial.count }
    /// Whether at least `threshold` distinct keys signed.
    public var isMet: Bool { count >= threshold }

    enum CodingKeys: String, CodingKey {
        case threshold, checks, count, met
        case countedKeyIDs = "counted_keyids"
        case countedKeyMaterial = "counted_spki_sha256"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(count, forKey: .count)
        try container.encode(isMet, forKey: .met)
        try container.encode(countedKeyIDs, forKey: .countedKeyIDs)
        try container.encode(countedKeyMaterial, forKey: .countedKeyMaterial)
        try container.encode(checks, forKey: .checks)
    }
}
