/// `GET /v1/status`.
public struct CoordinatorStatus: Sendable, Hashable, Codable {
    public var coordinatorKeyID: String
    public var pinListVersion: Int64?
    public var pinListExpires: Timestamp?
    public var agents: Int
    public var silentAgents: Int
    /// Number of targets in each consensus status.
    public var targets: [String: Int]
    /// Critical and warning events not followed by a recovery and not acknowledged, newest first (at most 50).
    public var openAlerts: [VantageEvent]

    public init(
        coordinatorKeyID: String, pinListVersion: Int64?, pinListExpires: Timestamp?, agents: Int, silentAgents: Int,
        targets: [String: Int], openAlerts: [VantageEvent]
    ) {
        self.coordinatorKeyID = coordinatorKeyID
        self.pinListVersion = pinListVersion
        self.pinListExpires = pinListExpires
        self.agents = agents
        self.silentAgents = silentAgents
        self.targets = targets
        self.openAlerts = openAlerts
    }

    enum CodingKeys: String, CodingKey {
        case agents, targets
        case coordinatorKeyID = "coordinator_keyid"
        case pinListVersion = "pin_list_version"
        case pinListExpires = "pin_list_expires"
        case silentAgents = "silent_agents"
        case openAlerts = "open_alerts"
    }
}
