import Logging
import ServiceLifecycle
import VantageCore

/// Drains the alert outbox: each undelivered (event, channel) row goes to its ``AlertSink``; failures are retried
/// with exponential backoff and jitter (1 s, 2 s, 4 s, … up to `alerts.max_backoff_seconds`). Rows live in the
/// database, so delivery is at least once across restarts; every delivery carries the event id for deduplication.
final class AlertService: Service, Sendable {
    let events: EventStore
    let sinks: [String: any AlertSink]
    let clock: CoordinatorClock
    let maxBackoffSeconds: Int64
    let metrics: CoordinatorMetrics
    let logger: Logger
    let trigger: Trigger
    /// How often the outbox is polled when nothing wakes the service.
    let pollInterval: Duration

    init(
        events: EventStore, sinks: [any AlertSink], clock: CoordinatorClock, maxBackoffSeconds: Int64,
        metrics: CoordinatorMetrics, logger: Logger, trigger: Trigger, pollInterval: Duration = .seconds(1)
    ) {
        self.events = events
        self.sinks = Dictionary(sinks.map { ($0.channel, $0) }, uniquingKeysWith: { a, _ in a })
        self.clock = clock
        self.maxBackoffSeconds = maxBackoffSeconds
        self.metrics = metrics
        self.logger = logger
        self.trigger = trigger
        self.pollInterval = pollInterval
    }

    func run() async throws {
        await trigger.run(every: pollInterval) { [self] in
            do {
                try await drain()
            } catch {
                logger.error("alert outbox failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Delivers every row that is due now.
    func drain() async throws {
        while !Task.isCancelled {
            let due = try await events.due(nowMillis: clock.nowMillis, limit: 100)
            if due.isEmpty { break }
            for delivery in due { try await attempt(delivery) }
        }
        metrics.outbox(depth: try await events.depth())
    }

    private func attempt(_ delivery: EventStore.Delivery) async throws {
        let metadata: Logger.Metadata = [
            "event.id": "\(delivery.event.id)", "event.kind": "\(delivery.event.kind.rawValue)", "alert.channel": "\(delivery.channel)",
        ]
        do {
            guard let sink = sinks[delivery.channel] else {
                throw CoordinatorError(.delivery, "channel \(delivery.channel) is no longer configured")
            }
            try await sink.deliver(delivery.event)
            try await events.markDelivered(event: delivery.event.id, channel: delivery.channel, nowMillis: clock.nowMillis)
            metrics.delivery(channel: delivery.channel, delivered: true)
            logger.debug("alert delivered", metadata: metadata)
        } catch let error as CoordinatorError where error.code == .delivery {
            let delay = Self.backoffMillis(attempts: delivery.attempts, maxSeconds: maxBackoffSeconds)
            try await events.markFailed(
                event: delivery.event.id, channel: delivery.channel, error: error.reason, retryAtMillis: clock.nowMillis + delay)
            metrics.delivery(channel: delivery.channel, delivered: false)
            logger.warning("alert delivery failed; will retry", metadata: metadata.merging(["error": "\(error.reason)", "retry.ms": "\(delay)"]) { $1 })
        }
    }

    /// Exponential backoff with jitter: base 2^attempts seconds capped at `maxSeconds`, then a random 50–100 %.
    static func backoffMillis(attempts: Int, maxSeconds: Int64) -> Int64 {
        let base = min(maxSeconds * 1000, 1000 << Int64(min(attempts, 30)))
        return base / 2 + Int64.random(in: 0...(base / 2))
    }
}
