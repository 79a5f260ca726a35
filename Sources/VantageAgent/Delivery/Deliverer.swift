import Foundation
import Logging
import VantageCore

/// Sends the spool to one coordinator in batches and settles each batch by its receipt.
///
/// An observation leaves the spool for this coordinator only when the receipt lists it as accepted (stored or
/// duplicate) or rejected with a reason (permanent: counted and logged). Observations missing from a receipt stay.
/// After a failed attempt the next one waits per ``Backoff``.
public actor Deliverer {
    public nonisolated let coordinator: any ObservationSubmitting
    let spool: ObservationSpool
    let batchSize: Int
    let backoff: Backoff
    let metrics: AgentMetrics
    let logger: Logger
    /// Consecutive failed attempts.
    public private(set) var failures = 0
    /// When the next attempt may start (after a failure).
    var notBefore: ContinuousClock.Instant?
    /// What this deliverer did since ``takeTally()`` last ran (for the `run --once` summary).
    var tally: RoundSummary.Delivery

    public init(coordinator: any ObservationSubmitting, spool: ObservationSpool, batchSize: Int, backoff: Backoff,
        metrics: AgentMetrics, logger: Logger)
    {
        self.coordinator = coordinator
        self.spool = spool
        self.batchSize = batchSize
        self.backoff = backoff
        self.metrics = metrics
        self.logger = logger
        tally = RoundSummary.Delivery(coordinator: coordinator.name)
    }

    /// What was accepted, rejected and failed since the last call; starts a new tally.
    public func takeTally() -> RoundSummary.Delivery {
        defer { tally = RoundSummary.Delivery(coordinator: coordinator.name) }
        return tally
    }

    /// The result of draining the spool once.
    public enum Outcome: Sendable, Equatable {
        /// Nothing is owed to this coordinator any more.
        case drained
        /// The coordinator failed; retry after the backoff.
        case failed(String)
        /// Still in backoff; nothing was attempted.
        case waiting
    }

    /// When the next attempt is due (`nil`: now).
    public var nextAttempt: ContinuousClock.Instant? { notBefore }

    /// Sends batches until nothing is owed or an attempt fails. With `ignoringBackoff`, tries even while in
    /// backoff (final flush on shutdown, `--once`).
    public func drain(ignoringBackoff: Bool = false) async -> Outcome {
        if !ignoringBackoff, let notBefore, ContinuousClock.now < notBefore { return .waiting }
        while true {
            let batch: [ObservationSpool.Entry]
            do {
                batch = try spool.batch(for: coordinator.name, limit: batchSize)
            } catch {
                return fail("\(error)")
            }
            if batch.isEmpty {
                failures = 0
                notBefore = nil
                tally.failure = nil
                metrics.drained(coordinator: coordinator.name, at: Date())
                return .drained
            }
            do {
                let receipt = try await coordinator.submit(ObservationBatch(observations: batch.map(\.observation)))
                try settle(batch, receipt)
            } catch {
                return fail("\(error)")
            }
            failures = 0
            notBefore = nil
        }
    }

    func settle(_ batch: [ObservationSpool.Entry], _ receipt: ObservationReceipt) throws {
        let items = Dictionary(receipt.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var accepted: [ObservationSpool.Entry] = []
        var rejected: [ObservationSpool.Entry] = []
        for entry in batch {
            guard let item = items[entry.id] else { continue }
            if item.accepted {
                accepted.append(entry)
            } else {
                rejected.append(entry)
                tally.rejected[item.reason ?? "none given", default: 0] += 1
                logger.error("coordinator rejected an observation", metadata: [
                    "vantage.coordinator": "\(coordinator.name)", "vantage.observation": "\(entry.id)",
                    "vantage.target": "\(entry.target)", "reason": "\(item.reason ?? "none given")",
                ])
            }
        }
        try spool.settle(coordinator: coordinator.name, accepted: accepted, rejected: rejected)
        tally.accepted += accepted.count
        metrics.delivered(accepted: accepted.count, rejected: rejected.count, coordinator: coordinator.name)
        if accepted.isEmpty, rejected.isEmpty {
            throw AgentError(.spool, "receipt acknowledged none of \(batch.count) observations")
        }
    }

    func fail(_ reason: String) -> Outcome {
        failures += 1
        tally.failure = reason
        let delay = backoff.delay(afterFailures: failures, random: Double.random(in: 0..<1))
        notBefore = ContinuousClock.now + delay
        metrics.deliveryFailed(coordinator: coordinator.name)
        logger.warning("delivery failed", metadata: [
            "vantage.coordinator": "\(coordinator.name)", "error": "\(reason)", "retry_in": "\(delay)",
            "failures": "\(failures)",
        ])
        return .failed(reason)
    }
}
