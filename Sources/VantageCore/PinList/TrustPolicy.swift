/// What a client trusts, distributed out of band (e.g. baked into CI images): the coordinator keys that may sign
/// pin lists, the agents whose attestations count, and the quorum rules it applies itself.
public struct TrustPolicy: Sendable, Hashable, Codable {
    public struct Coordinator: Sendable, Hashable, Codable {
        public var id: String
        public var publicKey: PublicIdentity

        public init(id: String, publicKey: PublicIdentity) {
            self.id = id
            self.publicKey = publicKey
        }

        enum CodingKeys: String, CodingKey {
            case id
            case publicKey = "public_key"
        }
    }

    /// An agent whose attestations count: the same id, region and key as its enrolment.
    public typealias Agent = AgentEnrollment

    public static let type = "vantage-trust-policy/v1"

    public var type: String = TrustPolicy.type
    public var coordinators: [Coordinator]
    public var agents: [Agent]
    public var quorum: Int
    public var minRegions: Int
    public var maxAgeSeconds: Int64
    /// Lists with a lower version are refused even on a host with no memory of earlier lists.
    public var minPinListVersion: Int64

    public init(
        coordinators: [Coordinator], agents: [Agent], quorum: Int, minRegions: Int, maxAgeSeconds: Int64,
        minPinListVersion: Int64 = 0
    ) {
        self.coordinators = coordinators
        self.agents = agents
        self.quorum = quorum
        self.minRegions = minRegions
        self.maxAgeSeconds = maxAgeSeconds
        self.minPinListVersion = minPinListVersion
    }

    /// Why the policy is unusable, or `nil`.
    public var problem: String? {
        if type != Self.type { return "type must be \(Self.type)" }
        if coordinators.isEmpty { return "no coordinator keys" }
        if quorum < 1 { return "quorum must be at least 1" }
        if minRegions < 1 { return "min_regions must be at least 1" }
        if Set(agents.map(\.id)).count != agents.count { return "agent ids must be unique" }
        if Set(agents.map(\.publicKey)).count != agents.count { return "agent public keys must be unique" }
        if agents.contains(where: { agent in coordinators.contains { $0.publicKey == agent.publicKey } }) {
            return "an agent key must not be a coordinator key"
        }
        if agents.count < quorum { return "fewer agents (\(agents.count)) than quorum (\(quorum))" }
        if Set(agents.map(\.region)).count < minRegions { return "fewer regions than min_regions" }
        if maxAgeSeconds < 1 { return "max_age_seconds must be positive" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case type, coordinators, agents, quorum
        case minRegions = "min_regions"
        case maxAgeSeconds = "max_age_seconds"
        case minPinListVersion = "min_pin_list_version"
    }
}
