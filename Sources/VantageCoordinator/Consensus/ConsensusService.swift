import GRDB
import Synchronization
import Logging
import ServiceLifecycle
import VantageCore

/// Runs consensus rounds shortly after an ingest that stored something (debounced), on a timer, and at once again
/// while a round leaves work behind. A round is load → plan → apply: it reads a snapshot of the targets that are due
/// (``ConsensusStore``), plans each with the pure ``VantageCore/ConsensusPlanner`` outside the database writer, and
/// applies the plans in one short write; then ``PinListPublisher`` publishes what changed. Rounds run one at a
/// time (``SerialGate``), so a test or an admin action may also call ``evaluateNow()`` directly.
public final class ConsensusService: Service, Sendable {
    let database: CoordinatorDatabase
    let configuration: CoordinatorConfiguration
    let clock: CoordinatorClock
    let pinLists: PinListCache
    let metrics: CoordinatorMetrics
    let channels: [String]
    let alerts: Trigger
    let logger: Logger
    let roots = RootCache()
    let publisher: PinListPublisher
    let mirror: PinListMirrorSink?
    private let trigger = Trigger()
    private let gate = SerialGate()
    /// Active targets by stored status, and how many wait for approvers (gauges): counted once, then kept by each
    /// round's transitions; `nil` when targets were added or removed (counted again by the next round).
    private let counts = Mutex<ConsensusStore.StatusCounts?>(nil)

    init(
        database: CoordinatorDatabase, configuration: CoordinatorConfiguration, identity: SigningIdentity,
        clock: CoordinatorClock, pinLists: PinListCache, metrics: CoordinatorMetrics, channels: [String],
        alerts: Trigger, logger: Logger
    ) {
        self.database = database
        self.configuration = configuration
        self.clock = clock
        self.pinLists = pinLists
        self.metrics = metrics
        self.channels = channels
        self.alerts = alerts
        self.logger = logger
        publisher = PinListPublisher(
            database: database, identity: identity, policy: configuration.consensus, approvalRules: configuration.approvals,
            lifetimeSeconds: configuration.pinListLifetimeSeconds, batchLimit: configuration.publishBatchPins, channels: channels)
        mirror = configuration.mirrorDirectory.map {
            PinListMirrorSink(
                directory: $0, database: database, clock: clock, channels: channels, alerts: alerts, metrics: metrics, logger: logger)
        }
    }

    /// Asks for a round soon (after the debounce delay). Never blocks.
    func signal() { trigger.fire() }

    /// The result of one round, for callers that drive rounds themselves (tests, benchmarks).
    public struct Report: Sendable {
        /// Events raised and stored by the round.
        public var events: [VantageEvent]
        /// The version of the pin list published by the round, if one was.
        public var publishedVersion: Int64?
        /// Pins left out of the list by this round: their stored fresh attestations do not verify as a quorum.
        public var weakPins: [String]
        /// Pins created by the round.
        public var newPins: Int
        /// Targets decided (due or marked by ingest).
        public var decided: Int
        /// Pins rebuilt for publication.
        public var rebuiltPins: Int
        /// Work was left for the next round (more due than one batch).
        public var more: Bool
    }

    /// Runs one round now.
    /// - Throws: ``CoordinatorError`` (`storage`, `pin_list_rejected`).
    @discardableResult
    public func evaluateNow() async throws -> Report {
        try await gate.run { [self] in try await round() }
    }

    private func round() async throws -> Report {
        let now = clock.now
        let planner = ConsensusPlanner(policy: configuration.consensus)
        let (batch, lastSeen, silent) = try await storage("read consensus snapshot") {
            try await database.writer.read { [self] db in
                let due = try ConsensusStore.dueTargets(db, now: now, limit: configuration.consensusBatchTargets)
                return (
                    try ConsensusStore.load(db, targets: due, roots: roots, approvalRules: configuration.approvals, now: now),
                    try ConsensusStore.agentsLastSeen(db), try ConsensusStore.alerts(db, kind: .silent))
            }
        }
        let plans = batch.snapshots.map { planner.plan($0, now: now) }
        let health = planner.agentHealth(lastSeen: lastSeen, stored: silent, now: now)
        let channels = channels
        let (stored, counts0) = try await storage("apply consensus plan") {
            try await database.writer.write { db in
                let stored = try ConsensusStore.apply(
                    db, plans: plans, batch: batch, alerts: health.alerts, events: health.events, channels: channels, now: now)
                for plan in plans where plan.pin != nil { try PinListStore.refresh(db, target: plan.target) }
                let known = self.counts.withLock { $0 }
                return (stored, known == nil ? try ConsensusStore.statusCounts(db) : nil)
            }
        }
        let counts = self.counts.withLock { counts -> ConsensusStore.StatusCounts? in
            if let fresh = counts0 { counts = fresh } else { counts?.apply(plans, batch: batch) }
            return plans.isEmpty && counts0 == nil ? nil : counts
        }
        let publication = try await publisher.publish(current: pinLists.latest, now: now)
        if let published = publication.published {
            pinLists.publish(published)
            // The list is published either way: a mirror that cannot be written is an alert (see PinListMirrorSink).
            await mirror?.publish(published)
            metrics.published(version: published.version, expires: published.header.signed.expires)
            logger.info(
                "published pin list",
                metadata: [
                    "pinlist.version": "\(published.version)", "pinlist.pins": "\(published.pinCount)",
                    "pinlist.rebuilt_pins": "\(publication.rebuilt)", "pinlist.weak_pins": "\(publication.weakPins.count)",
                ])
        }
        if let counts {
            metrics.targets(counts.statuses)
            metrics.targetKinds(counts.kinds)
            metrics.pendingApprovals(counts.awaitingApprovers)
        }
        metrics.rootExpiry(Dictionary(plans.map { ($0.target, $0.pinnedExpires?.seconds) }, uniquingKeysWith: { a, _ in a }))
        metrics.agentsLastSeen(lastSeen.mapValues(\.seconds))
        let events = stored + publication.events
        for event in events {
            metrics.event(kind: event.kind.rawValue)
            logger.info(
                "\(event.message)",
                metadata: ["event.kind": "\(event.kind.rawValue)", "event.severity": "\(event.severity.rawValue)",
                           "target.id": "\(event.target ?? "-")"])
        }
        if !events.isEmpty { alerts.fire() }
        return Report(
            events: events, publishedVersion: publication.published?.version, weakPins: publication.weakPins,
            newPins: plans.count { $0.pin != nil }, decided: plans.count, rebuiltPins: publication.rebuilt,
            more: batch.snapshots.count >= configuration.consensusBatchTargets || publication.more)
    }

    /// A removed target leaves the state gauges, and its open alerts are resolved (nothing watches it any more).
    /// - Throws: ``CoordinatorError`` (`storage`).
    func removed(target: String) async throws {
        metrics.rootExpiry([target: nil])
        targetsChanged()
        let (now, planner, channels) = (clock.now, ConsensusPlanner(policy: configuration.consensus), channels)
        let events = try await storage("resolve alerts of a removed target") {
            try await database.writer.write { db in
                try ConsensusStore.closeAlerts(db, target: target, planner: planner, channels: channels, now: now)
            }
        }
        for event in events { metrics.event(kind: event.kind.rawValue) }
        if !events.isEmpty { alerts.fire() }
    }

    /// Targets were added or removed: the status gauges are counted again by the next round.
    func targetsChanged() { counts.withLock { $0 = nil } }

    public func run() async throws {
        await trigger.run(
            every: .seconds(configuration.consensusIntervalSeconds),
            debounce: .milliseconds(configuration.consensusDebounceMilliseconds)
        ) { [self] in await runRounds() }
    }

    /// Rounds until none leaves work behind (after start-up every target is due once, in batches), then pruning.
    private func runRounds() async {
        do {
            while try await evaluateNow().more, !Task.isCancelled {}
            try await IngestStore(database: database).pruneSeen(
                before: clock.now.adding(seconds: -configuration.ingest.maxPastSeconds))
        } catch {
            logger.error("consensus round failed", metadata: ["error": "\(error)"])
        }
    }
}
