import VantageClient
import VantageCore

/// Everything the agent needs, parsed and validated once at start-up (see ``AgentConfigurationLoader``).
public struct AgentConfiguration: Sendable {
    /// One watched target and where its trusted starting root comes from.
    public struct Target: Sendable, Hashable {
        public var spec: TargetSpec
        /// A root.json file trusted as the starting point (exact bytes, verified at start-up).
        public var trustedRootPath: String?

        public init(spec: TargetSpec, trustedRootPath: String? = nil) {
            self.spec = spec
            self.trustedRootPath = trustedRootPath
        }
    }

    /// `host:port` of the optional Prometheus listener.
    public struct Listen: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// What coordinators and registries can make the agent reach (`network.*`; see ``DestinationPolicy``).
    public struct Network: Sendable, Hashable {
        /// `network.allowed_sources`: the coordinator-supplied targets that may be probed (host patterns or URL
        /// prefixes, see ``SourcePattern``). Empty (the default): none is probed — each is reported as a
        /// `forbidden` error observation. Statically configured targets are not matched against it.
        public var allowedSources: [SourcePattern]
        /// `network.allow_private_addresses` (default `false`): whether any request of a probe (target, token
        /// realm, redirect hop) may go to a loopback, private, link-local, CGNAT, unspecified or multicast address.
        public var allowPrivateAddresses: Bool
        /// `network.max_targets` (default 10 000): the most coordinator-supplied targets handled per poll.
        public var maxTargets: Int

        public init(allowedSources: [SourcePattern] = [], allowPrivateAddresses: Bool = false, maxTargets: Int = 10_000) {
            self.allowedSources = allowedSources
            self.allowPrivateAddresses = allowPrivateAddresses
            self.maxTargets = maxTargets
        }
    }

    public var agentID: String
    public var region: String
    public var keyPath: String
    /// `approvers` (`"<id> <base64 public key>"` each): only approvals these keys signed make the agent adopt an
    /// unchained root as its trusted root; `approval_threshold` (1) distinct ones are needed. None: never adopt.
    public var approvers: [ApproverKey] = []
    public var approvalThreshold: Int = 1
    /// `registry.docker_config`: per-registry credentials for `oci` targets (none by default: anonymous pulls).
    public var registryCredentials: RegistryCredentials = .none
    /// Coordinator base URLs; every observation is delivered to each.
    public var coordinators: [String]
    public var spoolDirectory: String
    /// Most observations kept in the spool; beyond it the oldest are dropped and counted.
    public var spoolMaxRows: Int
    /// Observations per POST.
    public var batchSize: Int
    public var pollInterval: Duration
    /// A random delay in [0, jitter) added to every poll interval.
    public var pollJitter: Duration
    /// Targets probed at the same time.
    public var concurrency: Int
    public var limits: FetchLimits
    public var caBundlePath: String?
    public var proxy: HTTPClientFactory.Options.Proxy?
    public var noProxy: ProxyRule
    public var targets: [Target]
    /// Also watch the targets the first coordinator lists at `GET /v1/targets`.
    public var targetsFromCoordinator: Bool
    public var metricsListen: Listen?
    public var logLevel: String
    public var network: Network

    public init(
        agentID: String, region: String, keyPath: String, coordinators: [String], spoolDirectory: String,
        spoolMaxRows: Int = 100_000, batchSize: Int = 500, pollInterval: Duration = .seconds(600),
        pollJitter: Duration = .seconds(60), concurrency: Int = 8, limits: FetchLimits = .init(), caBundlePath: String? = nil,
        proxy: HTTPClientFactory.Options.Proxy? = nil, noProxy: ProxyRule = .init(noProxy: nil), targets: [Target] = [],
        targetsFromCoordinator: Bool = false, metricsListen: Listen? = nil, logLevel: String = "info", network: Network = .init()
    ) {
        self.agentID = agentID
        self.region = region
        self.keyPath = keyPath
        self.coordinators = coordinators
        self.spoolDirectory = spoolDirectory
        self.spoolMaxRows = spoolMaxRows
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.pollJitter = pollJitter
        self.concurrency = concurrency
        self.limits = limits
        self.caBundlePath = caBundlePath
        self.proxy = proxy
        self.noProxy = noProxy
        self.targets = targets
        self.targetsFromCoordinator = targetsFromCoordinator
        self.metricsListen = metricsListen
        self.logLevel = logLevel
        self.network = network
    }
}
