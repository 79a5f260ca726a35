import Prometheus

/// The coordinator's Prometheus metrics (names prefixed `vantage_`), on a registry owned by one application so
/// tests can run several coordinators in one process.
final class CoordinatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let ingestDuration: DurationHistogram
    private let pinListVersion: Gauge
    private let outboxDepth: Gauge

    static let statuses = ["agreed", "changing", "pending", "split_view", "no_consensus", "unobserved"]

    init() {
        ingestDuration = registry.makeDurationHistogram(
            name: "vantage_ingest_duration_seconds",
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "Time to verify and durably commit one observation batch")
        pinListVersion = registry.makeGauge(name: "vantage_pin_list_version", help: "Version of the latest published pin list")
        outboxDepth = registry.makeGauge(name: "vantage_outbox_depth", help: "Alert deliveries not yet delivered")
    }

    func ingested(accepted: Int, duplicates: Int, duration: Duration) {
        registry.makeCounter(name: "vantage_observations_ingested_total", labels: [("result", "accepted")]).increment(by: Int64(accepted))
        registry.makeCounter(name: "vantage_observations_ingested_total", labels: [("result", "duplicate")]).increment(by: Int64(duplicates))
        ingestDuration.record(duration)
    }

    func rejected(reason: String) {
        registry.makeCounter(name: "vantage_observations_rejected_total", labels: [("reason", reason)]).increment()
    }

    func targets(_ counts: [String: Int]) {
        for status in Self.statuses {
            registry.makeGauge(name: "vantage_targets", labels: [("status", status)]).set(Int64(counts[status] ?? 0))
        }
    }

    func published(version: Int64) { pinListVersion.set(version) }

    func event(kind: String) {
        registry.makeCounter(name: "vantage_events_total", labels: [("kind", kind)]).increment()
    }

    func delivery(channel: String, delivered: Bool) {
        registry.makeCounter(
            name: "vantage_alert_deliveries_total", labels: [("channel", channel), ("result", delivered ? "delivered" : "failed")]
        ).increment()
    }

    func outbox(depth: Int) { outboxDepth.set(Int64(depth)) }

    /// The exposition text.
    func render() -> [UInt8] { registry.emitToBuffer() }
}
