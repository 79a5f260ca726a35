/// An agent's enrolment: id, region and public key.
public struct AgentEnrollment: Sendable, Hashable, Codable {
    public var id: String
    public var region: String
    public var publicKey: PublicIdentity

    public init(id: String, region: String, publicKey: PublicIdentity) {
        self.id = id
        self.region = region
        self.publicKey = publicKey
    }

    /// Why `id` or `region` cannot name an agent (the same rule in the agent's and the coordinator's configuration,
    /// so an id one accepts the other does too), or `nil`.
    public static func problem(id: String, region: String) -> String? {
        for (name, value) in [("id", id), ("region", region)] {
            if value.isEmpty || value.utf8.count > 100 || !value.unicodeScalars.allSatisfy(idCharacters.contains) {
                return "agent \(name) \"\(value.prefix(120))\" must be 1 to 100 letters, digits or . _ - : @"
            }
        }
        return nil
    }

    static let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@".unicodeScalars)

    enum CodingKeys: String, CodingKey {
        case id, region
        case publicKey = "public_key"
    }
}

/// `GET /v1/agents`.
public struct AgentStatus: Sendable, Hashable, Codable {
    /// Whether an agent reports: `healthy`, `silent` (nothing within max_age) or `never_seen`.
    public enum Health: String, Sendable, Hashable, Codable, CaseIterable {
        case healthy, silent
        case neverSeen = "never_seen"
    }

    public var id: String
    public var region: String
    public var publicKey: PublicIdentity
    public var lastSeen: Timestamp?
    public var health: Health

    public init(id: String, region: String, publicKey: PublicIdentity, lastSeen: Timestamp?, health: Health) {
        self.id = id
        self.region = region
        self.publicKey = publicKey
        self.lastSeen = lastSeen
        self.health = health
    }

    enum CodingKeys: String, CodingKey {
        case id, region, health
        case publicKey = "public_key"
        case lastSeen = "last_seen"
    }
}
