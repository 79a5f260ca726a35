/// A top-level role's key IDs and threshold.
public struct RoleEntry: Sendable, Hashable, Codable {
    public var keyIDs: [String]
    public var threshold: Int

    public init(keyIDs: [String], threshold: Int) {
        self.keyIDs = keyIDs
        self.threshold = threshold
    }

    enum CodingKeys: String, CodingKey {
        case keyIDs = "keyids"
        case threshold
    }
}
