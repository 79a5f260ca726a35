import CoreMetrics
import Foundation
import Metrics

/// The agent's metrics, through swift-metrics (exported by whatever backend the executable bootstraps):
///
/// - `vantage_agent_probes_total{result}`: probes by result (`ok` or the error kind)
/// - `vantage_agent_probe_duration_seconds{result}`: probe latency (a histogram in Prometheus)
/// - `vantage_agent_spool_depth`: observations waiting for at least one coordinator
/// - `vantage_agent_spool_dropped_total`: observations dropped because the spool was full
/// - `vantage_agent_delivered_total{coordinator,result}`: observations acknowledged (`accepted`, `rejected`)
/// - `vantage_agent_delivery_failures_total{coordinator}`: failed delivery attempts
/// - `vantage_agent_last_success_timestamp_seconds{target}`: time of the last successful probe per target
public struct AgentMetrics: Sendable {
    /// The per-result counter and timer, made once per result label (a handful) rather than once per probe.
    final class ProbeHandles: @unchecked Sendable {
        let lock = NSLock()
        var byResult: [String: (Counter, Metrics.Timer)] = [:]

        func handles(_ result: String) -> (Counter, Metrics.Timer) {
            lock.lock()
            defer { lock.unlock() }
            if let handles = byResult[result] { return handles }
            let handles = (
                Counter(label: "vantage_agent_probes_total", dimensions: [("result", result)]),
                Metrics.Timer(label: "vantage_agent_probe_duration_seconds", dimensions: [("result", result)], preferredDisplayUnit: .seconds)
            )
            byResult[result] = handles
            return handles
        }
    }

    let probeHandles = ProbeHandles()

    public init() {}

    /// Creates the series that exist before anything happens (a zero dropped count, the spool depth), so a scrape
    /// right after start shows them.
    public func start(spoolDepth: Int) {
        Counter(label: "vantage_agent_spool_dropped_total").increment(by: 0)
        spool(depth: spoolDepth)
    }

    /// Records one probe.
    public func probed(target: String, result: String, latency: Duration, at now: Date) {
        let (counter, timer) = probeHandles.handles(result)
        counter.increment()
        timer.record(duration: latency)
        if result == "ok" {
            Gauge(label: "vantage_agent_last_success_timestamp_seconds", dimensions: [("target", target)])
                .record(now.timeIntervalSince1970)
        }
    }

    /// Records the spool depth.
    public func spool(depth: Int) {
        Gauge(label: "vantage_agent_spool_depth").record(depth)
    }

    /// Records observations dropped from a full spool.
    public func dropped(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "vantage_agent_spool_dropped_total").increment(by: count)
    }

    /// Records a settled batch.
    public func delivered(accepted: Int, rejected: Int, coordinator: String) {
        if accepted > 0 {
            Counter(label: "vantage_agent_delivered_total", dimensions: [("coordinator", coordinator), ("result", "accepted")])
                .increment(by: accepted)
        }
        if rejected > 0 {
            Counter(label: "vantage_agent_delivered_total", dimensions: [("coordinator", coordinator), ("result", "rejected")])
                .increment(by: rejected)
        }
    }

    /// Records a failed delivery attempt.
    public func deliveryFailed(coordinator: String) {
        Counter(label: "vantage_agent_delivery_failures_total", dimensions: [("coordinator", coordinator)]).increment()
    }
}
