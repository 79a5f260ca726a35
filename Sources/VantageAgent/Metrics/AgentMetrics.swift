import Foundation
import Prometheus

/// The agent's metrics, each with its HELP text, on the Prometheus registry the metrics listener serves:
///
/// - `vantage_agent_probes_total{result}`: probes by result (`ok` or the error kind)
/// - `vantage_agent_probe_duration_seconds{result}`: probe latency (histogram)
/// - `vantage_agent_spool_depth`: observations waiting for at least one coordinator
/// - `vantage_agent_spool_dropped_total`: observations dropped because the spool was full
/// - `vantage_agent_delivered_total{coordinator,result}`: observations acknowledged (`accepted`, `rejected`)
/// - `vantage_agent_delivery_failures_total{coordinator}`: failed delivery attempts
/// - `vantage_agent_last_success_timestamp_seconds{target}`: time of the last successful probe per target
/// - `vantage_agent_last_delivery_timestamp_seconds{coordinator}`: time the spool was last drained to a coordinator
public struct AgentMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    static func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vantage_agent", metricName: metric, unitName: unit, helpText: help)
    }

    static var probes: MetricNameDescriptor { name("probes", unit: "total", "Probes by result: ok, or the error kind") }
    static var probeDuration: MetricNameDescriptor { name("probe_duration", unit: "seconds", "Time to fetch and verify one target's root") }
    static var spoolDepth: MetricNameDescriptor { name("spool_depth", "Observations waiting for at least one coordinator") }
    static var spoolDropped: MetricNameDescriptor { name("spool_dropped", unit: "total", "Observations dropped because the spool was full") }
    static var delivered: MetricNameDescriptor { name("delivered", unit: "total", "Observations a coordinator acknowledged, by result (accepted, rejected)") }
    static var deliveryFailures: MetricNameDescriptor { name("delivery_failures", unit: "total", "Failed delivery attempts, by coordinator") }
    static var lastSuccess: MetricNameDescriptor { name("last_success_timestamp", unit: "seconds", "Unix time of the last successful probe, by target") }
    static var lastDelivery: MetricNameDescriptor { name("last_delivery_timestamp", unit: "seconds", "Unix time the spool was last drained to a coordinator") }
    static let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                      .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30)]

    /// - Parameter registry: the registry the metrics listener serves (a private one when the agent serves none).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) { self.registry = registry }

    /// Creates the series that exist before anything happens (a zero dropped count, the spool depth), so a scrape
    /// right after start shows them.
    public func start(spoolDepth: Int) {
        registry.makeCounter(descriptor: Self.spoolDropped).increment(by: Int64(0))
        spool(depth: spoolDepth)
    }

    /// Records one probe.
    public func probed(target: String, result: String, latency: Duration, at now: Date) {
        registry.makeCounter(descriptor: Self.probes, labels: [("result", result)]).increment()
        registry.makeDurationHistogram(descriptor: Self.probeDuration, labels: [("result", result)], buckets: Self.buckets).record(latency)
        if result == "ok" {
            registry.makeGauge(descriptor: Self.lastSuccess, labels: [("target", target)]).set(now.timeIntervalSince1970)
        }
    }

    /// Records the spool depth.
    public func spool(depth: Int) { registry.makeGauge(descriptor: Self.spoolDepth).set(Int64(depth)) }

    /// Records observations dropped from a full spool.
    public func dropped(_ count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: Self.spoolDropped).increment(by: Int64(count))
    }

    /// Records a settled batch.
    public func delivered(accepted: Int, rejected: Int, coordinator: String) {
        for (result, count) in [("accepted", accepted), ("rejected", rejected)] where count > 0 {
            registry.makeCounter(descriptor: Self.delivered, labels: [("coordinator", coordinator), ("result", result)]).increment(by: Int64(count))
        }
    }

    /// Records a drained spool.
    public func drained(coordinator: String, at now: Date) {
        registry.makeGauge(descriptor: Self.lastDelivery, labels: [("coordinator", coordinator)]).set(now.timeIntervalSince1970)
    }

    /// Records a failed delivery attempt.
    public func deliveryFailed(coordinator: String) {
        registry.makeCounter(descriptor: Self.deliveryFailures, labels: [("coordinator", coordinator)]).increment()
    }
}
