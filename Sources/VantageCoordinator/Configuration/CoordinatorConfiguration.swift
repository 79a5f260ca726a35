import VantageCore
import VantageTUF

/// Everything the coordinator needs to start, parsed once at the edge (see
/// ``CoordinatorConfiguration/init(reader:)``) and passed down as a plain value.
public struct CoordinatorConfiguration: Sendable {
    /// Where the HTTP server listens.
    public var listenHost: String = "127.0.0.1"
    /// `0` picks a free port (tests).
    public var listenPort: Int = 8080
    /// The state directory (database and key by default).
    public var stateDirectory: String = CoordinatorConfiguration.defaultStateDirectory
    /// SQLite database file; defaults to `<state_dir>/coordinator.sqlite`.
    public var databasePath: String?
    /// Coordinator Ed25519 key file (written by `vantage-coordinator keygen`); defaults to `<state_dir>/coordinator.key`.
    public var keyFile: String?
    /// Admin bearer tokens (from `admin.tokens` and the lines of `admin.token_file`): `"NAME TOKEN"`, or a bare token
    /// named `admin`; the name is recorded with every admin action.
    public var adminTokens: [String] = []
    /// The listener's TLS certificate chain and key (PEM files, read again on SIGHUP); plain HTTP without.
    public var tls: TLSFiles?

    public struct TLSFiles: Sendable, Hashable {
        public var certificateFile: String
        public var keyFile: String
        public init(certificateFile: String, keyFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// Agents enrolled by configuration (more can be enrolled through the admin API).
    public var agents: [AgentEnrollment] = []
    /// Targets watched from the start (more can be added through the admin API).
    public var targets: [TargetSpec] = []
    /// Keys whose signed approvals admit an unchained replacement (never the coordinator's own key).
    public var approvers: [ApproverKey] = []
    /// Approvals from distinct approver keys an unchained replacement needs.
    public var approvalThreshold: Int = 1
    /// The consensus policy, also stated in every pin list header.
    public var consensus = ConsensusPolicy()
    /// Tag patterns whose `oci` targets hold moves for approvers unless they name a policy (`consensus.immutable_tags`,
    /// e.g. `["*.*.*"]` for version tags), applied when a target is configured or added.
    public var immutableTags = ImmutableTags()
    /// Seconds between consensus runs when nothing is ingested.
    public var consensusIntervalSeconds: Int64 = 30
    /// Milliseconds to wait after an ingest before running consensus, so bursts coalesce.
    public var consensusDebounceMilliseconds: Int64 = 250
    /// Lifetime of a pin list; it is re-signed when less than half of it is left.
    public var pinListLifetimeSeconds: Int64 = 86_400
    /// Targets decided per round transaction at most (`consensus.batch_targets`); a round with more due runs again
    /// at once, so ingest never waits behind more than one batch.
    public var consensusBatchTargets: Int = 2_000
    /// Signature verifications of roots and approvals remembered at most (`consensus.verification_cache_entries`):
    /// each (key, signature, signed bytes) is verified once per process, not in every round (``VantageTUF/VerificationCache``).
    public var verificationCacheEntries: Int = VerificationCache.defaultCapacity
    /// Pins rebuilt (fresh attestations, verified) per publication at most (`pin_list.batch_pins`).
    public var publishBatchPins: Int = 5_000
    /// A folder the coordinator writes each published list into as static files (`pin_list.mirror_dir`), for a web
    /// server, object store or CDN to serve to CI hosts (``VantageCore/PinListMirror``).
    public var mirrorDirectory: String?
    /// Ingest limits.
    public var ingest = Ingest()
    /// Longest a client may take to send a request body after its head (slow senders get 408 and lose the
    /// connection).
    public var bodyTimeoutSeconds: Int64 = 30
    /// Longest from connecting (TLS handshake included) to a complete request head; a client that dribbles bytes is
    /// closed when it runs out.
    public var headerTimeoutSeconds: Int64 = 10
    /// Longest from the end of a request until its response is written whole: a client that stops reading a large
    /// response (the pin list) is closed when it runs out, rather than hold a connection for ever.
    public var responseTimeoutSeconds: Int64 = 60
    /// A connection with no request in progress and nothing read for this long is closed; the next request's head
    /// must be complete within this time of the previous response.
    public var idleTimeoutSeconds: Int64 = 60
    /// Client connections open at once at most; beyond it a new connection is closed as soon as it is accepted, so
    /// descriptors are never exhausted (the descriptor limit is raised to fit, see ``DescriptorLimit``).
    public var maxConnections: Int = 8192
    /// `PRAGMA synchronous`: `true` = FULL (an acknowledged batch survives power loss), `false` = NORMAL (WAL:
    /// survives a process crash, may lose the last commits on power loss).
    public var synchronousFull = true
    /// Alert channels.
    public var alerts = Alerts()

    public init() {}

    /// Limits on `POST /v1/observations`.
    public struct Ingest: Sendable, Hashable {
        /// Largest accepted request body; larger bodies get 413.
        public var maxBodyBytes: Int = 4 << 20
        /// Most observations in one batch; a larger batch gets 413 as soon as the count passes it, before it is
        /// decoded (agents send `spool.batch_size`, 500 by default).
        public var maxBatchObservations: Int = 1000
        /// Observations made longer ago than this are rejected as stale.
        public var maxPastSeconds: Int64 = 3600
        /// Observations dated further ahead than this are rejected as from the future.
        public var maxFutureSeconds: Int64 = ConsensusPolicy.skewSeconds
        /// Largest `file` target content accepted and stored (`ingest.max_file_bytes`); `oci` manifests are capped at
        /// ``VantageCore/ManifestFacts/maxBytes`` (4 MiB) as registries cap them.
        public var maxFileBytes: Int = 256 << 10

        public init() {}
    }

    /// Alert channels; each configured channel receives every event.
    public struct Alerts: Sendable, Hashable {
        /// Generic JSON webhook, signed per Standard Webhooks.
        public var webhookURL: String?
        /// `whsec_<base64>` secret for the webhook signature.
        public var webhookSecret: String?
        /// Slack incoming-webhook URL.
        public var slackURL: String?
        /// Executable run once per event (event in `VANTAGE_*` environment variables and a JSON file).
        public var hookPath: String?
        /// Time limit for one hook run or one HTTP delivery.
        public var timeoutSeconds: Int64 = 30
        /// Longest wait between two delivery attempts of one event.
        public var maxBackoffSeconds: Int64 = 3600

        public init() {}
    }

    /// `/var/lib/vantage-coordinator` when it exists, else `./vantage-state`.
    public static var defaultStateDirectory: String {
        FileSystem.isDirectory("/var/lib/vantage-coordinator") ? "/var/lib/vantage-coordinator" : "./vantage-state"
    }

    /// The database file actually used.
    public var resolvedDatabasePath: String { databasePath ?? stateDirectory + "/coordinator.sqlite" }
    /// The key file actually used.
    public var resolvedKeyFile: String { keyFile ?? stateDirectory + "/coordinator.key" }

    /// Checks everything that can be checked without I/O.
    /// - Throws: ``CoordinatorError`` with code `configuration`, naming the offending key.
    public func validate() throws {
        func fail(_ key: String, _ message: String) throws -> Never {
            throw CoordinatorError(.configuration, "\(key): \(message)")
        }
        if !(0...65535).contains(listenPort) { try fail("listen.port", "must be between 0 and 65535") }
        if listenHost.isEmpty { try fail("listen.host", "must not be empty") }
        if let problem = consensus.problem { try fail("consensus", problem) }
        if consensus.expiryWarningDays < 0 { try fail("consensus.expiry_warning_days", "must not be negative") }
        if consensusIntervalSeconds < 1 { try fail("consensus.interval_seconds", "must be at least 1") }
        if consensusDebounceMilliseconds < 0 { try fail("consensus.debounce_ms", "must not be negative") }
        if pinListLifetimeSeconds < 60 { try fail("pin_list.lifetime_seconds", "must be at least 60") }
        if consensusBatchTargets < 1 { try fail("consensus.batch_targets", "must be at least 1") }
        if verificationCacheEntries < 0 { try fail("consensus.verification_cache_entries", "must not be negative") }
        if publishBatchPins < 1 { try fail("pin_list.batch_pins", "must be at least 1") }
        if ingest.maxBodyBytes < 1024 { try fail("ingest.max_body_bytes", "must be at least 1024") }
        if bodyTimeoutSeconds < 1 { try fail("listen.body_timeout_seconds", "must be at least 1") }
        if idleTimeoutSeconds < 1 { try fail("listen.idle_timeout_seconds", "must be at least 1") }
        if headerTimeoutSeconds < 1 { try fail("listen.header_timeout_seconds", "must be at least 1") }
        if responseTimeoutSeconds < 1 { try fail("listen.response_timeout_seconds", "must be at least 1") }
        if maxConnections < 1 { try fail("listen.max_connections", "must be at least 1") }
        if ingest.maxBatchObservations < 1 { try fail("ingest.max_batch_observations", "must be at least 1") }
        if ingest.maxPastSeconds < 1 { try fail("ingest.max_past_seconds", "must be positive") }
        if !(1...ManifestFacts.maxBytes).contains(ingest.maxFileBytes) { try fail("ingest.max_file_bytes", "must be 1 to \(ManifestFacts.maxBytes)") }
        if ingest.maxFutureSeconds < 0 { try fail("ingest.max_future_seconds", "must not be negative") }
        if adminTokens.contains(where: { AdminAuth.split($0).token.utf8.count < 16 }) {
            try fail("admin.tokens", "every admin token must be at least 16 characters (entries are \"NAME TOKEN\" or a bare token)")
        }
        var agentIDs = Set<String>()
        for agent in agents {
            if let problem = AgentEnrollment.problem(id: agent.id, region: agent.region) { try fail("agents", problem) }
            if !agentIDs.insert(agent.id).inserted { try fail("agents", "agent \(agent.id) is listed twice") }
        }
        var targetIDs = Set<String>()
        for target in targets {
            if let problem = target.problem { try fail("targets", problem) }
            if !targetIDs.insert(target.id).inserted { try fail("targets", "target \(target.id) is listed twice") }
        }
        if let url = alerts.webhookURL {
            if !AlertRules.isHTTPURL(url) { try fail("alerts.webhook.url", "must be an http(s) URL") }
            guard let secret = alerts.webhookSecret else { try fail("alerts.webhook.secret", "required with a webhook url") }
            if WebhookSecret(secret) == nil { try fail("alerts.webhook.secret", "must be whsec_ followed by base64") }
        }
        if let url = alerts.slackURL, !AlertRules.isHTTPURL(url) { try fail("alerts.slack.url", "must be an http(s) URL") }
        if let path = alerts.hookPath, !FileSystem.isExecutable(path) {
            try fail("alerts.hook.path", "\(path) is not an executable file")
        }
        if alerts.timeoutSeconds < 1 { try fail("alerts.timeout_seconds", "must be at least 1") }
        if alerts.maxBackoffSeconds < 1 { try fail("alerts.max_backoff_seconds", "must be at least 1") }
    }
}

/// Rules for alert channel settings.
enum AlertRules {
    static func isHTTPURL(_ text: String) -> Bool { text.hasPrefix("https://") || text.hasPrefix("http://") }
}
