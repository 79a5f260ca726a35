import GRDB
import Logging
import ServiceLifecycle
import VantageCore

/// Runs consensus rounds (``ConsensusRound``): shortly after an ingest that stored something (debounced) and on
/// a timer. Rounds are serialised by the database writer, so a test or an admin action may also call
/// ``evaluateNow()`` directly.
public final class ConsensusService: Service, Sendable {
    let database: CoordinatorDatabase
    let configuration: CoordinatorConfiguration
    let identity: SigningIdentity
    let clock: CoordinatorClock
    let pinLists: PinListCache
    let metrics: CoordinatorMetrics
    let channels: [String]
    let alerts: Trigger
    let logger: Logger
    let roots = RootCache()
    private let trigger = Trigger()

    init(
        database: CoordinatorDatabase, configuration: CoordinatorConfiguration, identity: SigningIdentity,
        clock: CoordinatorClock, pinLists: PinListCache, metrics: CoordinatorMetrics, channels: [String],
        alerts: Trigger, logger: Logger
    ) {
        self.database = database
        self.configuration = configuration
        self.identity = identity
        self.clock = clock
        self.pinLists = pinLists
        self.metrics = metrics
        self.channels = channels
        self.alerts = alerts
        self.logger = logger
    }

    /// Asks for a round soon (after the debounce delay). Never blocks.
    func signal() { trigger.fire() }

    /// The result of one round, for callers that drive rounds themselves (tests, benchmarks).
    public struct Report: Sendable {
        /// Events raised and stored by the round.
        public var events: [VantageEvent]
        /// The version of the pin list published by the round, if one was.
        public var publishedVersion: Int64?
        /// Pins in the published list without a verifiable quorum of fresh attestations.
        public var weakPins: [String]
        /// Pins created by the round.
        public var newPins: Int
    }

    /// Runs one round now.
    /// - Throws: ``CoordinatorError`` (`storage`, `pin_list_rejected`).
    @discardableResult
    public func evaluateNow() async throws -> Report {
        let round = ConsensusRound(
            policy: configuration.consensus, approvalRules: configuration.approvals, now: clock.now, identity: identity,
            pinListLifetimeSeconds: configuration.pinListLifetimeSeconds, channels: channels, roots: roots,
            publishedPins: Dictionary(
                (pinLists.latest?.list.pins ?? []).map { ($0.target, $0.sha256) }, uniquingKeysWith: { a, _ in a }))
        let outcome = try await storage("consensus round") {
            try await database.writer.write { db in try round.run(db) }
        }
        if let published = outcome.published {
            pinLists.publish(published)
            metrics.published(version: published.version, expires: published.list.header.signed.expires)
            logger.info(
                "published pin list",
                metadata: [
                    "pinlist.version": "\(published.version)", "pinlist.pins": "\(published.list.pins.count)",
                    "pinlist.weak_pins": "\(outcome.weakPins.count)",
                ])
        }
        metrics.targets(outcome.statusCounts)
        metrics.state(rootExpiry: outcome.rootExpiry, agentsLastSeen: outcome.agentsLastSeen, pendingApprovals: outcome.pendingApprovals)
        for event in outcome.events {
            metrics.event(kind: event.kind.rawValue)
            logger.info(
                "\(event.message)",
                metadata: ["event.kind": "\(event.kind.rawValue)", "event.severity": "\(event.severity.rawValue)",
                           "target.id": "\(event.target ?? "-")"])
        }
        if !outcome.events.isEmpty { alerts.fire() }
        return Report(
            events: outcome.events, publishedVersion: outcome.published?.version, weakPins: outcome.weakPins,
            newPins: outcome.newPins)
    }

    public func run() async throws {
        await trigger.run(
            every: .seconds(configuration.consensusIntervalSeconds),
            debounce: .milliseconds(configuration.consensusDebounceMilliseconds)
        ) { [self] in await runRound() }
    }

    private func runRound() async {
        do {
            try await evaluateNow()
            try await IngestStore(database: database).pruneSeen(
                before: clock.now.adding(seconds: -configuration.ingest.maxPastSeconds))
        } catch {
            logger.error("consensus round failed", metadata: ["error": "\(error)"])
        }
    }
}
