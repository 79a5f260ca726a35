import AsyncHTTPClient
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import VantageClient
import VantageCore

/// Assembles the agent from an ``AgentConfiguration``: the one place that opens the key, the spool and the
/// HTTP clients. `vantage-agent run` builds the agent through it.
public final class AgentRuntime: Sendable {
    public let service: AgentService
    public let metricsListener: MetricsListener?
    let getter: AHCHTTPGetter
    let coordinatorClients: [HTTPClient]

    /// Validates the remaining start-up inputs (key, spool, CA bundle, trusted roots) and builds every part.
    /// - Parameter registry: the Prometheus registry behind the bootstrapped metrics, for the listener.
    /// - Parameter path: wraps the fetcher, standing for the agent's network path (the offline demo puts a man in
    ///   the middle there); `nil` in the daemon.
    public init(
        configuration: AgentConfiguration, logger: Logger, registry: PrometheusCollectorRegistry?,
        path: (@Sendable (any HTTPGetting) -> any HTTPGetting)? = nil
    ) async throws {
        let identity = try AgentKeyFile.load(from: configuration.keyPath)
        let database = try AgentDatabase.open(directory: configuration.spoolDirectory)
        let spool = ObservationSpool(database: database, maxRows: configuration.spoolMaxRows)
        try spool.forget(coordinatorsExcept: configuration.coordinators)
        let getter: AHCHTTPGetter
        do {
            getter = try AHCHTTPGetter(
                limits: configuration.limits, caBundlePath: configuration.caBundlePath, proxy: configuration.proxy,
                noProxy: configuration.noProxy, connectionsPerHost: configuration.concurrency,
                destinations: DestinationPolicy(configuration.network))
        } catch {
            throw AgentError(.invalidConfiguration, "http.ca_bundle: \(error)")
        }
        var https: [HTTPClient] = []
        let catalog: TargetCatalog
        var clients: [CoordinatorClient] = []
        do {
            for url in configuration.coordinators {
                let host = URL(string: url)?.host ?? ""
                let proxy = configuration.noProxy.bypasses(host: host, port: URL(string: url)?.port) ? nil : configuration.proxy
                let http = try HTTPClientFactory.make(.init(caBundlePath: configuration.caBundlePath, proxy: proxy, failFast: true))
                https.append(http)
                clients.append(CoordinatorClient(baseURL: url, http: http, limits: HTTPLimits(maxResponseBytes: 16 << 20, timeoutSeconds: 60)))
            }
            catalog = try TargetCatalog(configuration: configuration, coordinator: clients.first)
        } catch {
            await getter.shutdown()
            for http in https { try? await http.shutdown() }
            throw error
        }
        let metrics = registry.map { AgentMetrics(registry: $0) } ?? AgentMetrics()
        metrics.start(spoolDepth: (try? spool.depth()) ?? 0)
        let deliverers = clients.map {
            Deliverer(coordinator: HTTPObservationSubmitter(client: $0), spool: spool, batchSize: configuration.batchSize,
                backoff: Backoff(), metrics: metrics, logger: logger)
        }
        self.getter = getter
        coordinatorClients = https
        service = AgentService(
            configuration: configuration,
            dependencies: .init(
                identity: identity, prober: TargetProber(http: path?(getter) ?? getter, limits: configuration.limits), catalog: catalog,
                spool: spool,
                trustedRoots: TrustedRootStore(database: database), deliverers: deliverers, metrics: metrics,
                adoption: configuration.approvers.isEmpty
                    ? nil
                    : ApprovalAdoption(approvers: configuration.approvers, threshold: configuration.approvalThreshold, coordinators: clients),
                content: .init(
                    prober: ContentProber(
                        http: path?(getter) ?? getter, limits: configuration.limits, credentials: configuration.registryCredentials),
                    history: ContentTrustStore(database: database))),
            logger: logger)
        if let listen = configuration.metricsListen, let registry {
            metricsListener = MetricsListener(registry: registry, host: listen.host, port: listen.port, logger: logger)
        } else {
            metricsListener = nil
        }
    }

    /// Shuts the HTTP clients down; call once the services have stopped.
    public func shutdown() async {
        await getter.shutdown()
        for http in coordinatorClients { try? await http.shutdown() }
    }
}
