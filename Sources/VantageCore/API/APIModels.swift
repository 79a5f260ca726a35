/// The coordinator's HTTP API under `/v1/` (JSON). These types are shared by the coordinator, the agent and
/// the CLI so that all three agree on the wire format.
///
/// Routes (target IDs in paths are one percent-encoded segment, `/` as `%2F`):
/// - `POST /v1/observations` — ``ObservationBatch`` → ``ObservationReceipt`` (agent signature is the only auth)
/// - `GET /v1/blobs/sha256/{hex}` — exact root bytes
/// - `GET /v1/pins` (strong ETag, `If-None-Match` → 304), `GET /v1/pins/{version}` — ``PinList``
/// - `GET /v1/pins/{version|latest}/header` — ``SignedPinListHeader``
/// - `GET /v1/pins/{version|latest}/targets/{id}` — ``PinProof``
/// - `GET /v1/targets` — [``TargetStatus``]; `GET /v1/targets/{id}` — ``TargetStatus``;
///   `GET /v1/targets/{id}/history` — ``TargetHistory``
/// - `GET /v1/agents` — [``AgentStatus``]; `GET /v1/events?after=CURSOR&limit=N` — ``EventPage``
/// - `GET /v1/status` — ``CoordinatorStatus``; `GET /v1/policy` — ``TrustPolicy`` (for `vantage policy export`)
/// - admin (bearer token): `POST /v1/targets` (``TargetSpec``), `DELETE /v1/targets/{id}`,
///   `POST /v1/targets/{id}/approve` (``ApproveRequest``), `POST /v1/agents` (``AgentEnrollment``),
///   `POST /v1/alerts/test`, `DELETE /v1/agents/{id}`, `POST /v1/alerts/{event id}/ack` (``AcknowledgeRequest``)
/// - `GET /v1/alerts` — [``AlertEntry``]: open alerts, acknowledged or not
/// - `/livez`, `/readyz`, `/metrics`
public enum APIPath {
    public static let observations = "/v1/observations"
    public static let pins = "/v1/pins"
    public static let targets = "/v1/targets"
    public static let agents = "/v1/agents"
    public static let events = "/v1/events"
    public static let status = "/v1/status"
    public static let policy = "/v1/policy"
    public static let alertsTest = "/v1/alerts/test"
    public static let alerts = "/v1/alerts"
    public static let blobs = "/v1/blobs/sha256"

    /// `id` as a single path segment.
    public static func segment(_ id: String) -> String {
        id.addingPercentEncodingForPathSegment()
    }
}

extension String {
    func addingPercentEncodingForPathSegment() -> String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

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

/// `POST /v1/targets/{id}/approve`: an approver's signed approval of a digest for the target's source.
public struct ApproveRequest: Sendable, Hashable, Codable {
    public var sha256: String
    public var approval: Approval
    /// Free text for operators; not signed, never shown as the approver.
    public var note: String?

    public init(sha256: String, approval: Approval, note: String? = nil) {
        self.sha256 = sha256
        self.approval = approval
        self.note = note
    }
}

/// `GET /v1/targets/{id}/approvals`: every stored approval of the target's current source, so agents can check
/// them against the approver keys of their own configuration before adopting an unchained root.
public struct ApprovalSet: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var sha256: String
        public var approvals: [Approval]

        public init(sha256: String, approvals: [Approval]) {
            self.sha256 = sha256
            self.approvals = approvals
        }
    }

    public var target: String
    public var source: RepositorySource
    public var digests: [Entry]

    public init(target: String, source: RepositorySource, digests: [Entry]) {
        self.target = target
        self.source = source
        self.digests = digests
    }
}

/// One agent's view of a target, as the query API reports it.
public struct SupporterView: Sendable, Hashable, Codable {
    public var agent: String
    public var region: String
    public var sha256: String?
    /// The error kind, when the latest observation is an error.
    public var error: String?
    /// The agent's message about that error (for a refusal, the rule that refused), when stored.
    public var errorMessage: String?
    public var observedAt: Timestamp
    public var since: Timestamp

    public init(
        agent: String, region: String, sha256: String?, error: String?, errorMessage: String? = nil, observedAt: Timestamp,
        since: Timestamp
    ) {
        self.agent = agent
        self.region = region
        self.sha256 = sha256
        self.error = error
        self.errorMessage = errorMessage
        self.observedAt = observedAt
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case agent, region, sha256, error, since
        case errorMessage = "error_message"
        case observedAt = "observed_at"
    }
}

/// The coordinator's record of a target's current pin, for operators (the query API). Clients never decide on
/// it: `pins verify` and `pins install` use only signed pins and the root bytes.
public struct PinnedSummary: Sendable, Hashable, Codable {
    public var sha256: String
    public var version: Int
    public var expires: String
    public var rootKeys: [String]
    /// `first`, `resigned`, `rotated` or `replaced`: how the coordinator classified the change.
    public var classification: String
    public var pinnedAt: Timestamp
    /// Approver ids, for a pin admitted by approvals.
    public var approvedBy: String?
    /// Whether the latest published list carries this pin (see the `pin_unsupported` event otherwise).
    public var published: Bool

    public init(
        sha256: String, version: Int, expires: String, rootKeys: [String], classification: String, pinnedAt: Timestamp,
        approvedBy: String?, published: Bool
    ) {
        self.sha256 = sha256
        self.version = version
        self.expires = expires
        self.rootKeys = rootKeys
        self.classification = classification
        self.pinnedAt = pinnedAt
        self.approvedBy = approvedBy
        self.published = published
    }

    enum CodingKeys: String, CodingKey {
        case sha256, version, expires, classification, published
        case rootKeys = "root_keys"
        case pinnedAt = "pinned_at"
        case approvedBy = "approved_by"
    }
}

/// Current consensus for one target.
public struct TargetStatus: Sendable, Hashable, Codable {
    public var spec: TargetSpec
    /// `agreed`, `changing`, `pending`, `split_view`, `no_consensus`, or `unobserved`.
    public var status: String
    public var pinned: PinnedSummary?
    public var leading: String?
    public var classification: String?
    public var reasons: [String]
    public var views: [SupporterView]

    public init(
        spec: TargetSpec, status: String, pinned: PinnedSummary?, leading: String?, classification: String?, reasons: [String],
        views: [SupporterView]
    ) {
        self.spec = spec
        self.status = status
        self.pinned = pinned
        self.leading = leading
        self.classification = classification
        self.reasons = reasons
        self.views = views
    }
}

/// A run of identical outcomes reported by one agent.
public struct SpanRecord: Sendable, Hashable, Codable {
    public var agent: String
    /// Root digest or `error:<kind>`.
    public var outcome: String
    /// For an error span, the agent's latest message about it (for a refusal, the rule), when stored.
    public var errorMessage: String?
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var count: Int64

    public init(agent: String, outcome: String, errorMessage: String? = nil, firstSeen: Timestamp, lastSeen: Timestamp, count: Int64) {
        self.agent = agent
        self.outcome = outcome
        self.errorMessage = errorMessage
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case agent, outcome, count
        case errorMessage = "error_message"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }
}

/// A pin in a target's history, with who approved it.
public struct PinHistoryEntry: Sendable, Hashable, Codable {
    public var sha256: String
    public var version: Int
    public var classification: String
    public var pinnedAt: Timestamp
    public var approvedBy: String?

    public init(sha256: String, version: Int, classification: String, pinnedAt: Timestamp, approvedBy: String?) {
        self.sha256 = sha256
        self.version = version
        self.classification = classification
        self.pinnedAt = pinnedAt
        self.approvedBy = approvedBy
    }

    enum CodingKeys: String, CodingKey {
        case sha256, version, classification
        case pinnedAt = "pinned_at"
        case approvedBy = "approved_by"
    }
}

/// `GET /v1/targets/{id}/history`.
public struct TargetHistory: Sendable, Hashable, Codable {
    public var target: String
    public var spans: [SpanRecord]
    public var pins: [PinHistoryEntry]
    /// Admin actions on this target (added, removed, approvals submitted), oldest first, each naming its token.
    public var actions: [VantageEvent]

    public init(target: String, spans: [SpanRecord], pins: [PinHistoryEntry], actions: [VantageEvent] = []) {
        self.target = target
        self.spans = spans
        self.pins = pins
        self.actions = actions
    }
}

/// `GET /v1/agents`.
public struct AgentStatus: Sendable, Hashable, Codable {
    public var id: String
    public var region: String
    public var publicKey: PublicIdentity
    public var lastSeen: Timestamp?
    /// `healthy`, `silent` (nothing within max_age) or `never_seen`.
    public var health: String

    public init(id: String, region: String, publicKey: PublicIdentity, lastSeen: Timestamp?, health: String) {
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

/// `GET /v1/events?after=CURSOR`.
public struct EventPage: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var cursor: Int64
        public var event: VantageEvent

        public init(cursor: Int64, event: VantageEvent) {
            self.cursor = cursor
            self.event = event
        }
    }

    public var events: [Entry]
    /// Pass as `after` to get the next page.
    public var next: Int64

    public init(events: [Entry], next: Int64) {
        self.events = events
        self.next = next
    }
}

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

/// An open alert (the latest event of its alert key, `details.alert`, opens it: no `recovered` resolved it since) and
/// who acknowledged it.
public struct AlertEntry: Sendable, Hashable, Codable {
    public var event: VantageEvent
    public var acknowledged: AlertAcknowledgement?

    public init(event: VantageEvent, acknowledged: AlertAcknowledgement?) {
        self.event = event
        self.acknowledged = acknowledged
    }
}

/// Who acknowledged an alert (the admin token's name), when, and why.
public struct AlertAcknowledgement: Sendable, Hashable, Codable {
    public var by: String
    public var at: Timestamp
    public var note: String?

    public init(by: String, at: Timestamp, note: String?) {
        self.by = by
        self.at = at
        self.note = note
    }
}

/// `POST /v1/alerts/{event id}/ack`.
public struct AcknowledgeRequest: Sendable, Hashable, Codable {
    public var note: String?
    public init(note: String?) { self.note = note }
}
