/// Something operators should know about, stored and delivered through the alert outbox.
public struct VantageEvent: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable {
        case info, warning, critical
    }

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case firstPin = "first_pin"
        case resigned
        case rotated
        case replacementHeld = "replacement_held"
        case replaced
        /// An `oci` or `file` target's digest changed and the pin follows (a floating tag moved).
        case moved
        /// An `oci` or `file` target's held change was pinned with approvers' signatures (an immutable tag moved, a key
        /// file changed).
        case changed
        case splitView = "split_view"
        case quorumLost = "quorum_lost"
        case recovered
        case rootExpiring = "root_expiring"
        case rootExpired = "root_expired"
        case certificateExpiring = "certificate_expiring"
        case agentSilent = "agent_silent"
        /// An operator removed an agent: it leaves consensus and exported trust policies.
        case agentRemoved = "agent_removed"
        /// An admin added, re-activated or removed a target, or submitted an approval (`details.by`: the token's name).
        case adminAction = "admin_action"
        /// A target's configured source (kind, URL, GUN) changed: its history and pin do not carry over.
        case sourceChanged = "source_changed"
        /// A pinned target whose stored fresh attestations cannot satisfy quorum and regions: left out of the list.
        case pinUnsupported = "pin_unsupported"
        /// Every fresh agent's latest observation of a target is an error (`details.error_kind`, `.error_message`).
        case unobservable
        /// An operator enrolled an agent, or changed its region or key (`details.by`: the token's name).
        case agentAdded = "agent_added"
        /// The coordinator could not write a published list into its mirror folder (`pin_list.mirror_dir`).
        case mirrorWriteFailed = "mirror_write_failed"
        case test
    }

    /// Idempotency ID, stable across redeliveries.
    public var id: String
    public var kind: Kind
    public var severity: Severity
    public var target: String?
    public var at: Timestamp
    public var message: String
    /// Extra facts (digests, versions, agents), string-valued for webhooks and hook environment variables.
    public var details: [String: String]

    public init(
        id: String, kind: Kind, severity: Severity, target: String?, at: Timestamp, message: String,
        details: [String: String] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.target = target
        self.at = at
        self.message = message
        self.details = details
    }
}
