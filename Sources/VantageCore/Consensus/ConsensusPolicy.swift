/// When a root becomes the pinned root of a target (DESIGN.md trust properties 1, 3 and 4).
public struct ConsensusPolicy: Sendable, Hashable, Codable {
    /// Clock difference (seconds) tolerated between machines that have no policy field for it: the coordinator
    /// counts observations dated up to this far ahead and verifies approvals this far ahead of its clock, agents do
    /// the same, and a client's `TrustPolicy.skew_seconds` defaults to it.
    public static let skewSeconds: Int64 = 300

    /// Distinct agents that must agree on a digest.
    public var quorum: Int
    /// Distinct regions those agents must come from.
    public var minRegions: Int
    /// Observations older than this (seconds) are ignored; attestations older than this do not count.
    public var maxAgeSeconds: Int64
    /// Fresh agents allowed to disagree with the leading digest before the target is a split view and the pin
    /// does not move.
    public var maxDissent: Int
    /// Seconds a new digest must have been seen continuously by a quorum before it is pinned, per change class.
    public var minDuration: MinDuration
    /// What happens to an unchained replacement.
    public var unchained: UnchainedHandling
    /// Alert when the pinned root or its certificate expires within this many days.
    public var expiryWarningDays: Int

    public struct MinDuration: Sendable, Hashable, Codable {
        public var first: Int64
        public var resigned: Int64
        public var rotated: Int64
        public var replaced: Int64

        public init(first: Int64 = 0, resigned: Int64 = 0, rotated: Int64 = 600, replaced: Int64 = 3600) {
            self.first = first
            self.resigned = resigned
            self.rotated = rotated
            self.replaced = replaced
        }
    }

    public enum UnchainedHandling: Sendable, Hashable, Codable {
        /// Pin as soon as approvers have signed the digest (`approval_threshold` of them).
        case approve
        /// Pin only once approved and after the digest has held a quorum for this many seconds as well (clients
        /// never accept an unchained root without approvals, so a hold alone never pins).
        case hold(seconds: Int64)
    }

    public init(
        quorum: Int = 2, minRegions: Int = 2, maxAgeSeconds: Int64 = 1800, maxDissent: Int = 0,
        minDuration: MinDuration = .init(), unchained: UnchainedHandling = .approve, expiryWarningDays: Int = 30
    ) {
        self.quorum = quorum
        self.minRegions = minRegions
        self.maxAgeSeconds = maxAgeSeconds
        self.maxDissent = maxDissent
        self.minDuration = minDuration
        self.unchained = unchained
        self.expiryWarningDays = expiryWarningDays
    }

    /// Why the policy is unusable, or `nil`.
    public var problem: String? {
        if quorum < 1 { return "quorum must be at least 1" }
        if minRegions < 1 || minRegions > quorum { return "min_regions must be between 1 and quorum" }
        if maxAgeSeconds < 1 { return "max_age must be positive" }
        if maxDissent < 0 { return "max_dissent must not be negative" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case quorum, unchained
        case minRegions = "min_regions"
        case maxAgeSeconds = "max_age_seconds"
        case maxDissent = "max_dissent"
        case minDuration = "min_duration_seconds"
        case expiryWarningDays = "expiry_warning_days"
    }
}

extension ConsensusPolicy.UnchainedHandling {
    enum CodingKeys: String, CodingKey { case mode, holdSeconds = "hold_seconds" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .mode) {
        case "approve": self = .approve
        case "hold": self = .hold(seconds: try c.decode(Int64.self, forKey: .holdSeconds))
        case let other: throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "unknown mode \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .approve: try c.encode("approve", forKey: .mode)
        case .hold(let seconds):
            try c.encode("hold", forKey: .mode)
            try c.encode(seconds, forKey: .holdSeconds)
        }
    }
}
