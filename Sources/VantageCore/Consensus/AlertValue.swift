extension ConsensusPlanner {
    /// The condition an ``AlertKey`` is stored with (`alert_state.value`). ``rawValue`` is its one stored text
    /// form; `ok` holds no alert open.
    public enum AlertValue: Sendable, Hashable, RawRepresentable {
        /// `ok`: no condition.
        case ok
        /// A target's consensus alert: `split_view`, `replacement_held:<sha256>` or `quorum_lost`.
        case consensus(ConsensusAlert)
        /// `expiring:<sha256>`: the pinned root (or its key certificate) expires within the warning window.
        case expiring(sha256: String)
        /// `expired:<sha256>`: the pinned root (or its key certificate) has expired.
        case expired(sha256: String)
        /// `silent`: an agent has not reported for `max_age`.
        case silent
        /// `unsupported`: a pin left out of the published list.
        case unsupported
        /// `unobservable`: every fresh observation of the target is an error.
        case unobservable
        /// `changed`: the target was re-pointed at another source and is not pinned there yet.
        case changed

        /// Whether this is ``expired(sha256:)`` (the critical stage of an expiry condition).
        var isExpired: Bool {
            if case .expired = self { return true }
            return false
        }

        static let expiringPrefix = "expiring:", expiredPrefix = "expired:"

        /// Parses a stored value; `nil` for text no release wrote.
        public init?(rawValue: String) {
            switch rawValue {
            case "ok": self = .ok
            case "silent": self = .silent
            case "unsupported": self = .unsupported
            case "unobservable": self = .unobservable
            case "changed": self = .changed
            case _ where rawValue.hasPrefix(Self.expiringPrefix): self = .expiring(sha256: String(rawValue.dropFirst(Self.expiringPrefix.count)))
            case _ where rawValue.hasPrefix(Self.expiredPrefix): self = .expired(sha256: String(rawValue.dropFirst(Self.expiredPrefix.count)))
            default:
                guard let alert = ConsensusAlert(stored: rawValue) else { return nil }
                self = .consensus(alert)
            }
        }

        public var rawValue: String {
            switch self {
            case .ok: "ok"
            case .consensus(let alert): alert.stored
            case .expiring(let sha256): Self.expiringPrefix + sha256
            case .expired(let sha256): Self.expiredPrefix + sha256
            case .silent: "silent"
            case .unsupported: "unsupported"
            case .unobservable: "unobservable"
            case .changed: "changed"
            }
        }
    }
}
