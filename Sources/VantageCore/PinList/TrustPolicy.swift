import Foundation

/// What a client trusts, distributed out of band (e.g. baked into CI images): the coordinator keys that may sign
/// pin lists, the agents whose attestations count, the approvers whose signatures admit an unchained
/// replacement, and the quorum and freshness rules it applies itself against its own clock.
public struct TrustPolicy: Sendable, Hashable, Codable {
    public struct Coordinator: Sendable, Hashable, Codable {
        /// The id a header signed by this key must carry; client state is kept under it.
        public var id: String
        public var publicKey: PublicIdentity
        /// Where clients fetch this coordinator's lists, tried in order when no source is given on the command
        /// line: its API base URL (`url`) and static mirrors of its lists (`mirrors`). Locations only: what is
        /// fetched there is verified like anything else, so a wrong URL costs availability, never trust.
        public var url: String?
        public var mirrors: [String]?

        public init(id: String, publicKey: PublicIdentity, url: String? = nil, mirrors: [String]? = nil) {
            self.id = id
            self.publicKey = publicKey
            self.url = url
            self.mirrors = mirrors
        }

        enum CodingKeys: String, CodingKey {
            case id, url, mirrors
            case publicKey = "public_key"
        }
    }

    /// An agent whose attestations count: the same id, region and key as its enrolment.
    public typealias Agent = AgentEnrollment

    /// The source a target must have been fetched from (optional; `pins install --server` gives it otherwise), and
    /// for an `oci` or `file` target whether this client follows its changes or holds them for approvers.
    public struct Target: Sendable, Hashable, Codable {
        public var id: String
        public var source: RepositorySource
        /// `nil`: the kind's default (``ChangePolicy/default(for:)``).
        public var changes: ChangePolicy?

        public init(id: String, source: RepositorySource, changes: ChangePolicy? = nil) {
            self.id = id
            self.source = source
            self.changes = changes
        }
    }

    /// The change policy this client applies to `pin`: the policy's entry for its target, else its kind's default;
    /// `nil` for roots, whose changes are decided by their signed chain.
    public func changePolicy(for pin: Pin) -> ChangePolicy? {
        Self.changePolicy(for: pin, entry: targets.first { $0.id == pin.target })
    }

    /// ``changePolicy(for:)`` given the policy's entry for the pin's target (callers checking many pins index them).
    public static func changePolicy(for pin: Pin, entry: Target?) -> ChangePolicy? {
        guard !pin.kind.isRoot else { return nil }
        return entry?.changes ?? .default(for: pin.kind)
    }

    /// v2 added approvers, the list-age bound, the skew allowance and per-target sources.
    public static let type = "vantage-trust-policy/v2"

    public var type: String = TrustPolicy.type
    public var coordinators: [Coordinator]
    public var agents: [Agent]
    public var quorum: Int
    public var minRegions: Int
    /// Oldest counted attestation, measured at the verifying machine's clock.
    public var maxAgeSeconds: Int64
    /// Oldest pin list accepted, by its `issued_at` at the verifying machine's clock.
    public var maxListAgeSeconds: Int64
    /// Clock difference tolerated between this machine and agents or coordinator.
    public var skewSeconds: Int64
    /// Lists with a lower version are refused even on a host with no memory of earlier lists.
    public var minPinListVersion: Int64
    public var approvers: [ApproverKey]
    /// Approvals from distinct approver keys needed for a pin its agents attest as unchained.
    public var approvalThreshold: Int
    public var targets: [Target]

    public init(
        coordinators: [Coordinator], agents: [Agent], quorum: Int, minRegions: Int, maxAgeSeconds: Int64,
        maxListAgeSeconds: Int64? = nil, skewSeconds: Int64 = ConsensusPolicy.skewSeconds, minPinListVersion: Int64 = 0,
        approvers: [ApproverKey] = [], approvalThreshold: Int = 1, targets: [Target] = []
    ) {
        self.coordinators = coordinators
        self.agents = agents
        self.quorum = quorum
        self.minRegions = minRegions
        self.maxAgeSeconds = maxAgeSeconds
        self.maxListAgeSeconds = maxListAgeSeconds ?? maxAgeSeconds
        self.skewSeconds = skewSeconds
        self.minPinListVersion = minPinListVersion
        self.approvers = approvers
        self.approvalThreshold = approvalThreshold
        self.targets = targets
    }

    /// Why the policy is unusable, or `nil`.
    public var problem: String? {
        if type != Self.type { return "type must be \(Self.type)" }
        if coordinators.isEmpty { return "no coordinator keys" }
        if Set(coordinators.map(\.id)).count != coordinators.count { return "coordinator ids must be unique" }
        if Set(coordinators.map(\.publicKey)).count != coordinators.count { return "coordinator keys must be unique" }
        if quorum < 1 { return "quorum must be at least 1" }
        if minRegions < 1 { return "min_regions must be at least 1" }
        if Set(agents.map(\.id)).count != agents.count { return "agent ids must be unique" }
        if Set(agents.map(\.publicKey)).count != agents.count { return "agent public keys must be unique" }
        let coordinatorKeys = Set(coordinators.map(\.publicKey))
        if agents.contains(where: { coordinatorKeys.contains($0.publicKey) }) { return "an agent key must not be a coordinator key" }
        if agents.count < quorum { return "fewer agents (\(agents.count)) than quorum (\(quorum))" }
        if Set(agents.map(\.region)).count < minRegions { return "fewer regions than min_regions" }
        if maxAgeSeconds < 1 { return "max_age_seconds must be positive" }
        if maxListAgeSeconds < 1 { return "max_list_age_seconds must be positive" }
        if skewSeconds < 0 || skewSeconds > 3600 { return "skew_seconds must be 0 to 3600" }
        if Set(approvers.map(\.id)).count != approvers.count { return "approver ids must be unique" }
        if Set(approvers.map(\.publicKey)).count != approvers.count { return "approver keys must be unique" }
        // The coordinator key is never an approver, and an agent key never doubles as one.
        if approvers.contains(where: { coordinatorKeys.contains($0.publicKey) }) { return "an approver key must not be a coordinator key" }
        let agentKeys = Set(agents.map(\.publicKey))
        if approvers.contains(where: { agentKeys.contains($0.publicKey) }) { return "an approver key must not be an agent key" }
        if approvalThreshold < 1 { return "approval_threshold must be at least 1" }
        if !approvers.isEmpty, approvalThreshold > approvers.count {
            return "approval_threshold (\(approvalThreshold)) exceeds the number of approvers (\(approvers.count))"
        }
        if Set(targets.map(\.id)).count != targets.count { return "target ids must be unique" }
        if let bad = targets.first(where: { $0.source.problem != nil }) { return "target \(bad.id): \(bad.source.problem ?? "")" }
        if let bad = targets.first(where: { $0.changes != nil && $0.source.kind.isRoot }) {
            return "target \(bad.id): changes applies to oci and file targets only"
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case type, coordinators, agents, quorum, approvers, targets
        case minRegions = "min_regions"
        case maxAgeSeconds = "max_age_seconds"
        case maxListAgeSeconds = "max_list_age_seconds"
        case skewSeconds = "skew_seconds"
        case minPinListVersion = "min_pin_list_version"
        case approvalThreshold = "approval_threshold"
    }

    /// Every key a policy may carry: ``parse(_:)`` refuses any other, as the configuration files do.
    public static let knownKeys: Set<String> = [
        "type", "quorum", "min_regions", "max_age_seconds", "max_list_age_seconds", "skew_seconds", "min_pin_list_version",
        "approval_threshold",
        "coordinators[].id", "coordinators[].public_key", "coordinators[].url", "coordinators[].mirrors",
        "agents[].id", "agents[].region", "agents[].public_key",
        "approvers[].id", "approvers[].public_key",
        "targets[].id", "targets[].source.kind", "targets[].source.url", "targets[].source.gun", "targets[].source.repository",
        "targets[].source.tag", "targets[].changes",
    ]

    /// Reads a policy file: an unknown key anywhere (a misspelt `min_pin_list_version` would silently mean no
    /// rollback floor, a misspelt `approval_threshold` one approval) is refused like a missing key or a wrong type.
    /// - Throws: ``CoreError`` (`malformed_document`) whose reason is one line in words: the key's path and the key
    ///   it likely meant (`unknown key targets[2].sourse (did you mean targets[2].source?)`), a missing key, a
    ///   wrong type or why the bytes are not JSON. The result is not checked for ``problem``.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> TrustPolicy {
        let data = Data(bytes)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw CoreError(.malformedDocument, "not JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "a syntax error"))")
        }
        // Unknown keys first: a misspelt required key is better named by what it meant than as missing.
        if let top = object as? [String: Any], let unknown = ConfigKeyCheck.unknownKeys(in: top, known: knownKeys).first {
            throw CoreError(.malformedDocument, "\(unknown)")
        }
        do {
            return try JSONDecoder().decode(TrustPolicy.self, from: data)
        } catch {
            throw CoreError(.malformedDocument, Canonical.describe(error))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        coordinators = try c.decode([Coordinator].self, forKey: .coordinators)
        agents = try c.decode([Agent].self, forKey: .agents)
        quorum = try c.decode(Int.self, forKey: .quorum)
        minRegions = try c.decode(Int.self, forKey: .minRegions)
        maxAgeSeconds = try c.decode(Int64.self, forKey: .maxAgeSeconds)
        maxListAgeSeconds = try c.decodeIfPresent(Int64.self, forKey: .maxListAgeSeconds) ?? maxAgeSeconds
        skewSeconds = try c.decodeIfPresent(Int64.self, forKey: .skewSeconds) ?? ConsensusPolicy.skewSeconds
        minPinListVersion = try c.decodeIfPresent(Int64.self, forKey: .minPinListVersion) ?? 0
        approvers = try c.decodeIfPresent([ApproverKey].self, forKey: .approvers) ?? []
        approvalThreshold = try c.decodeIfPresent(Int.self, forKey: .approvalThreshold) ?? 1
        targets = try c.decodeIfPresent([Target].self, forKey: .targets) ?? []
    }
}
