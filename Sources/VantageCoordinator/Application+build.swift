import AsyncHTTPClient
import GRDB
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import VantageCore
import VantageTUF

/// What the coordinator takes from its environment besides configuration; tests replace the clock and observe
/// the bound port.
public struct CoordinatorDependencies: Sendable {
    public var clock: CoordinatorClock
    public var logger: Logger
    /// Called with the bound port once the server listens (useful with `listen.port` 0).
    public var onServerRunning: @Sendable (Int) async -> Void
    /// How often the alert outbox is polled when nothing wakes it.
    public var alertPollInterval: Duration

    public init(
        clock: CoordinatorClock = .system, logger: Logger = Logger(label: "vantage.coordinator"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }, alertPollInterval: Duration = .seconds(1)
    ) {
        self.clock = clock
        self.logger = logger
        self.onServerRunning = onServerRunning
        self.alertPollInterval = alertPollInterval
    }
}

/// A built coordinator: the Hummingbird application (HTTP server + consensus and alert services) and handles for
/// callers that drive it directly (tests, benchmarks).
public struct Coordinator: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>
    public let consensus: ConsensusService
    public let database: CoordinatorDatabase
    /// The coordinator's public key.
    public let publicKey: PublicIdentity

    /// Makes every pin due for fresh attestations (what start-up does), for benchmarks of a full refresh.
    package func scheduleFullRefresh() async throws {
        try await storage("schedule refresh") { try await database.writer.write(PinListStore.refreshAll) }
    }
}

/// Builds the coordinator application: validates the configuration, opens the database (migrations), loads the
/// key, enrols configured agents and targets, and wires routes and services. `main` and the tests both use it.
///
/// - Throws: ``CoordinatorError`` (`configuration`, `key`, `storage`); nothing has started when it throws.
public func buildApplication(
    configuration: CoordinatorConfiguration, dependencies: CoordinatorDependencies = .init()
) async throws -> some ApplicationProtocol {
    try await buildCoordinator(configuration: configuration, dependencies: dependencies).application
}

/// ``buildApplication(configuration:dependencies:)`` with handles to the parts.
public func buildCoordinator(
    configuration: CoordinatorConfiguration, dependencies: CoordinatorDependencies = .init()
) async throws -> Coordinator {
    try configuration.validate()
    // One cache per process (roots and approvals are verified from database queues, outside any task's scope).
    VerificationCache.shared.limit(to: configuration.verificationCacheEntries)
    let clock = dependencies.clock
    let logger = dependencies.logger
    let identity = try loadIdentity(configuration)
    let database = try CoordinatorDatabase(path: configuration.resolvedDatabasePath, synchronousFull: configuration.synchronousFull)
    let directory = Directory()
    let registry = RegistryStore(database: database, directory: directory)
    let sinks = makeSinks(configuration.alerts, clock: clock)
    let channels = sinks.map(\.channel)
    try await enrolConfigured(configuration, in: registry, now: clock.now, channels: channels)

    let pinLists = PinListCache()
    let pinListStore = PinListStore(database: database)
    if let latest = try await pinListStore.loadLatest() { pinLists.publish(latest) }

    let metrics = CoordinatorMetrics()
    if let latest = pinLists.latest { metrics.published(version: latest.version, expires: latest.header.signed.expires) }
    let alertTrigger = Trigger()
    let events = EventStore(database: database)
    let consensus = ConsensusService(
        database: database, configuration: configuration, identity: identity, clock: clock, pinLists: pinLists,
        metrics: metrics, channels: channels, alerts: alertTrigger, logger: logger)
    // A start repairs what a failed or interrupted write left out of the mirror folder (and resolves its alert).
    if let mirror = consensus.mirror, let latest = pinLists.latest { await mirror.publish(latest) }
    let alertService = AlertService(
        events: events, sinks: sinks, clock: clock, maxBackoffSeconds: configuration.alerts.maxBackoffSeconds,
        metrics: metrics, logger: logger, trigger: alertTrigger, pollInterval: dependencies.alertPollInterval)

    let router = Router(context: BasicRequestContext.self)
    let queries = QueryController(
        queries: QueryStore(database: database), events: events, pinLists: pinLists, configuration: configuration,
        identity: identity, clock: clock, directory: directory)
    let admin = AdminController(
        auth: AdminAuth(tokens: configuration.adminTokens), registry: registry, events: events, consensus: consensus,
        alerts: alertTrigger, channels: channels, clock: clock, bodyTimeout: .seconds(configuration.bodyTimeoutSeconds),
        approvers: configuration.approvers, immutableTags: configuration.immutableTags)
    ObservationController(
        directory: directory, store: IngestStore(database: database), limits: configuration.ingest, clock: clock,
        consensus: consensus, metrics: metrics, bodyTimeout: .seconds(configuration.bodyTimeoutSeconds),
        rejections: RejectionLog(logger: logger)
    ).add(to: router)
    PinListController(cache: pinLists, store: pinListStore).add(to: router)
    queries.add(to: router)
    admin.add(to: router)
    TargetRoutes(queries: queries, admin: admin).add(to: router)
    HealthController(database: database, metrics: metrics).add(to: router)

    let application = try makeApplication(
        configuration, router: router, services: [consensus, alertService], metrics: metrics, dependencies: dependencies)
    logReadiness(configuration, directory: directory, identity: identity, channels: channels, logger: logger)
    return Coordinator(application: application, consensus: consensus, database: database, publicKey: identity.publicKey)
}

/// The coordinator's signing key (creating the state directory the default paths live in).
private func loadIdentity(_ configuration: CoordinatorConfiguration) throws -> SigningIdentity {
    if configuration.databasePath == nil || configuration.keyFile == nil {
        try FileSystem.makeDirectory(configuration.stateDirectory)
    }
    let keyPath = configuration.resolvedKeyFile
    guard FileSystem.exists(keyPath) else {
        throw CoordinatorError(.key, "no coordinator key at \(keyPath); create one with `vantage-coordinator keygen --out \(keyPath)`")
    }
    do {
        return try SigningIdentity(fileContents: try FileSystem.readText(keyPath, code: .key))
    } catch let error as CoordinatorError {
        throw error
    } catch {
        throw CoordinatorError(.key, "\(keyPath): \(error)")
    }
}

/// Enrols the configured agents and targets, drops agents no longer configured, and marks everything for the first
/// rounds.
private func enrolConfigured(
    _ configuration: CoordinatorConfiguration, in registry: RegistryStore, now: Timestamp, channels: [String]
) async throws {
    for agent in configuration.agents { try await registry.enroll(agent, now: now) }
    try await registry.removeUnconfiguredAgents(keeping: Set(configuration.agents.map(\.id)), now: now, channels: channels)
    for target in configuration.targets {
        try await registry.add(target, now: now, allowSourceChange: true, channels: channels)
    }
    // Configured targets got the patterns as they were parsed; the API's, stored before a pattern existed, get them here.
    try await registry.holdImmutableTags(configuration.immutableTags, now: now, channels: channels)
    try await registry.loadDirectory()
    // The consensus policy, approvers or agents may differ from the last run: every target is decided again and
    // every pin rebuilt, in batches, by the first rounds.
    try await registry.markEverything()
}

/// The HTTP server (connection limits, optional reloadable TLS) around `router`, with `services` beside it.
private func makeApplication(
    _ configuration: CoordinatorConfiguration, router: Router<BasicRequestContext>, services: [any Service],
    metrics: CoordinatorMetrics, dependencies: CoordinatorDependencies
) throws -> Application<RouterResponder<BasicRequestContext>> {
    let logger = dependencies.logger
    let onServerRunning = dependencies.onServerRunning
    let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(configuration.idleTimeoutSeconds))
    let maxConnections = DescriptorLimit.fit(connections: configuration.maxConnections)
    if maxConnections < configuration.maxConnections {
        logger.warning(
            "the open-file limit holds fewer connections than listen.max_connections; raise LimitNOFILE= (ulimit -n)",
            metadata: ["listen.max_connections": "\(configuration.maxConnections)", "connections.allowed": "\(maxConnections)"])
    }
    // The connection's body deadline runs a few seconds longer than the routes' own, so their 408 answer goes out
    // first; it is what bounds a body no route reads.
    let limits = ConnectionLimits(
        maxConnections: maxConnections, headTimeout: .seconds(configuration.headerTimeoutSeconds),
        bodyTimeout: .seconds(configuration.bodyTimeoutSeconds + 5), responseTimeout: .seconds(configuration.responseTimeoutSeconds),
        keepAliveTimeout: .seconds(configuration.idleTimeoutSeconds),
        metrics: metrics)
    var services = services
    let tls = try configuration.tls.map { try ReloadableTLS(certificateFile: $0.certificateFile, keyFile: $0.keyFile) }
    if let tls { services.append(TLSReloadService(tls: tls, logger: logger)) }
    let server = HTTPServerBuilder { responder in
        let http = HTTP1Channel(responder: responder, configuration: http1)
        guard let tls else { return GuardedChannel(base: http, limits: limits) }
        return GuardedChannel(base: tls.channel(http), limits: limits)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "vantage-coordinator"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}

/// Says the coordinator is ready, and why no pin list will be published yet when too few agents are enrolled.
private func logReadiness(
    _ configuration: CoordinatorConfiguration, directory: Directory, identity: SigningIdentity, channels: [String], logger: Logger
) {
    let agents = directory.contents.agents.values
    let regions = Set(agents.map(\.region)).count
    if agents.count < configuration.consensus.quorum || regions < configuration.consensus.minRegions {
        logger.notice(
            "no pin list is published until enough agents are enrolled: add them to `agents` in the configuration or with `vantage agents add`",
            metadata: [
                "agents": "\(agents.count)", "regions": "\(regions)", "consensus.quorum": "\(configuration.consensus.quorum)",
                "consensus.min_regions": "\(configuration.consensus.minRegions)",
            ])
    }
    logger.info(
        "coordinator ready",
        metadata: [
            "coordinator.keyid": "\(identity.publicKey.keyID)", "database.path": "\(configuration.resolvedDatabasePath)",
            "agents": "\(directory.contents.agents.count)", "targets": "\(directory.contents.targets.count)",
            "alert.channels": "\(channels.joined(separator: ","))",
        ])
}

/// The configured alert channels.
func makeSinks(_ alerts: CoordinatorConfiguration.Alerts, clock: CoordinatorClock) -> [any AlertSink] {
    var sinks: [any AlertSink] = []
    let timeout = TimeAmount.seconds(alerts.timeoutSeconds)
    if let url = alerts.webhookURL, let secret = alerts.webhookSecret.flatMap(WebhookSecret.init) {
        sinks.append(WebhookAlertSink(url: url, secret: secret, http: .shared, timeout: timeout, clock: clock))
    }
    if let url = alerts.slackURL { sinks.append(SlackAlertSink(url: url, http: .shared, timeout: timeout)) }
    if let path = alerts.hookPath { sinks.append(HookAlertSink(path: path, timeoutSeconds: alerts.timeoutSeconds)) }
    return sinks
}
