import Foundation
import Logging
import ServiceLifecycle
import VantageCore
import VantageTUF

/// The agent daemon as a ServiceLifecycle `Service`: poll every target (bounded concurrency), sign and spool
/// one observation per target, deliver the spool to every coordinator, wait the poll interval plus jitter
/// while retrying failed deliveries with backoff. On graceful shutdown (SIGTERM) it starts no new probes, lets
/// running ones finish, and makes a last delivery attempt before returning.
public final class AgentService: Service, Sendable {
    public struct Dependencies: Sendable {
        public var identity: SigningIdentity
        public var prober: TargetProber
        public var catalog: TargetCatalog
        public var spool: ObservationSpool
        public var trustedRoots: TrustedRootStore
        public var deliverers: [Deliverer]
        public var metrics: AgentMetrics
        /// Approver keys of this agent's own configuration, and where to fetch approvals; `nil` without approvers.
        public var adoption: ApprovalAdoption?
        /// How `oci` and `file` targets are fetched and what the agent remembers of their sources.
        public var content: ContentProbing?
        public var now: @Sendable () -> Date

        public init(
            identity: SigningIdentity, prober: TargetProber, catalog: TargetCatalog, spool: ObservationSpool,
            trustedRoots: TrustedRootStore, deliverers: [Deliverer], metrics: AgentMetrics, adoption: ApprovalAdoption? = nil,
            content: ContentProbing? = nil, now: @escaping @Sendable () -> Date = Date.init
        ) {
            self.adoption = adoption
            self.content = content
            self.identity = identity
            self.prober = prober
            self.catalog = catalog
            self.spool = spool
            self.trustedRoots = trustedRoots
            self.deliverers = deliverers
            self.metrics = metrics
            self.now = now
        }
    }

    /// The content prober and the store of what the agent saw at each content source.
    public struct ContentProbing: Sendable {
        public var prober: ContentProber
        public var history: ContentTrustStore

        public init(prober: ContentProber, history: ContentTrustStore) {
            self.prober = prober
            self.history = history
        }
    }

    let configuration: AgentConfiguration
    let dependencies: Dependencies
    let logger: Logger
    /// Sources whose registry answered `429` with a `Retry-After`, not asked again before that instant.
    let backoff = ProbeBackoff()
    /// Time allowed for the last delivery attempt on shutdown.
    static let flushTimeout: Duration = .seconds(15)

    public init(configuration: AgentConfiguration, dependencies: Dependencies, logger: Logger) {
        self.configuration = configuration
        self.dependencies = dependencies
        self.logger = logger
    }

    public func run() async throws {
        logger.info("agent started", metadata: [
            "vantage.agent": "\(configuration.agentID)", "vantage.region": "\(configuration.region)",
            "vantage.key_id": "\(dependencies.identity.publicKey.keyID)",
        ])
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await pollOnce()
            await deliverAll(ignoringBackoff: false)
            let jitter = configuration.pollJitter == .zero ? Duration.zero : configuration.pollJitter * Double.random(in: 0..<1)
            await wait(until: ContinuousClock.now + configuration.pollInterval + jitter)
        }
        logger.info("shutting down: flushing the spool")
        _ = try? await withDeadline(Self.flushTimeout, "final delivery") { [self] in await deliverAll(ignoringBackoff: true) }
        logger.info("agent stopped", metadata: ["vantage.spool_depth": "\((try? dependencies.spool.depth()) ?? -1)"])
    }

    /// Probes every target once and delivers: `vantage-agent run --once`.
    /// - Returns: what was probed and delivered; ``RoundSummary/exitCode`` says whether the round counts.
    @discardableResult
    public func runOnce() async -> RoundSummary {
        for deliverer in dependencies.deliverers { _ = await deliverer.takeTally() }
        var summary = await pollOnce()
        summary.catalogFailure = await dependencies.catalog.lastFetchFailure
        await deliverAll(ignoringBackoff: true)
        for deliverer in dependencies.deliverers { summary.deliveries.append(await deliverer.takeTally()) }
        return summary
    }

    /// Probes all targets with at most `concurrency` at a time; no new probe starts after a shutdown request.
    @discardableResult
    func pollOnce() async -> RoundSummary {
        let targets = await dependencies.catalog.current(logger: logger)
        var summary = RoundSummary()
        summary.targets = targets.count
        await withTaskGroup(of: String?.self) { group in
            var iterator = targets.makeIterator()
            var running = 0
            while running < configuration.concurrency, let target = iterator.next() {
                group.addTask { await self.probe(target) }
                running += 1
            }
            while let outcome = await group.next() {
                if let failure = outcome { summary.failed[failure, default: 0] += 1 } else { summary.observed += 1 }
                guard !Task.isShuttingDownGracefully, let target = iterator.next() else { continue }
                group.addTask { await self.probe(target) }
            }
        }
        dependencies.metrics.spool(depth: (try? dependencies.spool.depth()) ?? 0)
        return summary
    }

    /// Probes one target, then signs and spools the observation.
    /// - Returns: the error kind, or `nil` when the probe ended with a verified root.
    @discardableResult
    func probe(_ target: TargetCatalog.Entry) async -> String? {
        let id = target.spec.id
        let now = dependencies.now
        guard let source = target.spec.source else {
            logger.error("target url cannot be normalised; not probed", metadata: ["vantage.target": "\(id)"])
            return "invalid_url"
        }
        let result: ProbeResult
        if let reason = target.forbidden {
            result = ProbeResult(
                target: target.spec, source: source, observedAt: Timestamp(now()), latencyMilliseconds: 0,
                error: ObservationError(.forbidden, reason), chainSteps: nil)
        } else if target.spec.kind.isRoot {
            result = await walk(target, source: source)
        } else {
            result = await fetchContent(target, source: source)
        }
        let identity = dependencies.identity
        let (agent, region) = (configuration.agentID, configuration.region)
        do {
            // Durable (committed with synchronous=FULL, shared with concurrently finishing probes) before this
            // returns, and so before any delivery attempt.
            let appended = try await dependencies.spool.appendDurably(
                result, coordinators: configuration.coordinators, identity: identity
            ) { probe, sequence in probe.observation(agent: agent, region: region, sequence: sequence) }
            if appended.dropped > 0 {
                dependencies.metrics.dropped(appended.dropped)
                logger.error("spool full: dropped the oldest observations", metadata: [
                    "vantage.dropped": "\(appended.dropped)", "vantage.dropped_total": "\((try? dependencies.spool.droppedTotal()) ?? -1)",
                    "vantage.spool_max_rows": "\(dependencies.spool.maxRows)",
                ])
            }
        } catch {
            logger.error("cannot spool an observation", metadata: ["vantage.target": "\(id)", "error": "\(error)"])
        }
        dependencies.metrics.probed(target: id, result: result.resultLabel, latency: .milliseconds(result.latencyMilliseconds), at: now())
        var metadata: Logger.Metadata = [
            "vantage.target": "\(id)", "vantage.result": "\(result.resultLabel)", "vantage.latency_ms": "\(result.latencyMilliseconds)",
        ]
        if let fingerprint = result.fingerprint {
            metadata["root.version"] = "\(fingerprint.version)"
            metadata["root.fingerprint"] = "\(fingerprint.sha256)"
        }
        if let error = result.error { metadata["error"] = "\(error.message)" }
        logger.log(level: result.error == nil ? .debug : .notice, "probed", metadata: metadata)
        return result.error?.kind.rawValue
    }

    /// Walks `target` from this agent's trusted root for `source`. Trusted roots are kept per source (kind,
    /// normalised URL, GUN), never per target id: a target whose URL changes starts with no history.
    func walk(_ target: TargetCatalog.Entry, source: RepositorySource) async -> ProbeResult {
        let id = target.spec.id
        let now = dependencies.now
        let key = source.storageKey
        let stored: (root: Root, adopted: Bool)?
        do {
            stored = try dependencies.trustedRoots.entry(for: key)
        } catch {
            // An unreadable trusted root is never "no history": that would make whatever is served a first sight.
            return ProbeResult(
                target: target.spec, source: source, observedAt: Timestamp(now()), latencyMilliseconds: 0,
                error: ObservationError(.internalError, "the trusted root of this source cannot be read; not probed: \(error)"),
                chainSteps: nil)
        }
        let start: Root?
        if let configured = target.configuredRoot, configured.version > stored?.root.version ?? Int.min {
            start = Self.newer(stored?.root, configured.root())
        } else {
            start = stored?.root
        }
        let adopted = stored.map { $0.adopted && start?.bytes == $0.root.bytes } ?? false
        let store = dependencies.trustedRoots
        let adoption = dependencies.adoption
        let logger = logger
        return await dependencies.prober.probe(
            target.spec, source: source, supplier: target.supplier, trusted: start, trustedWasAdopted: adopted, now: now,
            onTrusted: { root in try await store.storeDurably(root, for: key, at: now()) },
            adopt: { offered in
                guard let adoption, await adoption.isApproved(target: id, source: source, sha256: offered.sha256, now: Timestamp(now()))
                else { return false }
                do {
                    try await store.replaceDurably(offered, for: key, at: now())
                } catch {
                    logger.error("cannot adopt an approved root", metadata: ["vantage.target": "\(id)", "error": "\(error)"])
                    return false
                }
                logger.notice("adopted an approved unchained root", metadata: [
                    "vantage.target": "\(id)", "root.fingerprint": "\(offered.sha256)", "root.version": "\(offered.version)",
                ])
                return true
            })
    }

    /// Fetches an `oci` or `file` target, unless its registry asked to wait (then the observation says so without
    /// asking: silence is never the signal).
    func fetchContent(_ target: TargetCatalog.Entry, source: RepositorySource) async -> ProbeResult {
        let now = dependencies.now
        let key = source.storageKey
        func failed(_ error: ObservationError) -> ProbeResult {
            ProbeResult(target: target.spec, source: source, observedAt: Timestamp(now()), latencyMilliseconds: 0, error: error, chainSteps: nil)
        }
        if let until = backoff.heldUntil(key, now: now()) {
            return failed(ObservationError(.httpStatus, "not asked: the registry asked to wait until \(Timestamp(until)) (HTTP 429)", status: 429))
        }
        guard let content = dependencies.content else {
            return failed(ObservationError(.internalError, "this agent was built without a content prober"))
        }
        let history: (first: String, last: ContentFacts)?
        do {
            history = try content.history.entry(for: key)
        } catch {
            // Unreadable history is never "no history": that would make whatever is served a first sight.
            return failed(ObservationError(.internalError, "the content history of this source cannot be read; not probed: \(error)"))
        }
        let store = content.history
        let outcome = await content.prober.probe(
            target.spec, source: source, supplier: target.supplier, history: history, now: now,
            onFetched: { facts in try await store.storeDurably(facts, for: key, at: now()) })
        if let until = outcome.retryAfter { backoff.hold(key, until: until) }
        return outcome.result
    }

    /// The newer of two candidate starting roots (the persisted one wins a tie).
    static func newer(_ stored: Root?, _ configured: Root?) -> Root? {
        guard let stored else { return configured }
        guard let configured else { return stored }
        return configured.version > stored.version ? configured : stored
    }

    /// Drains the spool to every coordinator. Returns `true` when all were drained.
    @discardableResult
    func deliverAll(ignoringBackoff: Bool) async -> Bool {
        var allDrained = true
        for deliverer in dependencies.deliverers {
            if await deliverer.drain(ignoringBackoff: ignoringBackoff) != .drained { allDrained = false }
        }
        dependencies.metrics.spool(depth: (try? dependencies.spool.depth()) ?? 0)
        return allDrained
    }

    /// Sleeps until `deadline`, retrying due deliveries meanwhile; returns early on graceful shutdown.
    func wait(until deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline, !Task.isShuttingDownGracefully, !Task.isCancelled {
            var wake = deadline
            for deliverer in dependencies.deliverers {
                if let next = await deliverer.nextAttempt, next < wake { wake = next }
            }
            let pause = wake - ContinuousClock.now
            if pause > .zero {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            }
            if wake < deadline, !Task.isShuttingDownGracefully { await deliverAll(ignoringBackoff: false) }
        }
    }
}
