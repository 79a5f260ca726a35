import Prometheus
import Synchronization
import VantageCore

/// The coordinator's Prometheus metrics (names prefixed `vantage_`), on a registry owned by one application so
/// tests can run several coordinators in one process.
final class CoordinatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let ingestDuration: DurationHistogram
    private let pinListVersion: Gauge
    private let pinListExpiry: Gauge
    private let outboxDepth: Gauge
    private let pendingApprovals: Gauge
    private let openConnections: Gauge
    /// The agents that have a state gauge.
    private let labelledAgents = Mutex<Set<String>>([])
    /// Root expiry by target, rendered by ``render()`` itself: a registry gauge per target would make every update
    /// O(targets) (the registry copies its label dictionary on each registration), which made a first round over
    /// 100,000 targets take half an hour.
    private let rootExpiries = Mutex<[String: Int64]>([:])

    static let statuses = TargetStatus.Status.allCases.map(\.rawValue)

    static func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vantage", metricName: metric, unitName: unit, helpText: help)
    }

    static var ingested: MetricNameDescriptor { name("observations_ingested", unit: "total", "Observations stored (accepted) or already stored (duplicate)") }
    static var rejected: MetricNameDescriptor { name("observations_rejected", unit: "total", "Observations refused, by reason") }
    static var targets: MetricNameDescriptor { name("targets", "Active targets by consensus status") }
    static var targetsByKind: MetricNameDescriptor { name("targets_by_kind", "Active targets by kind (notary, tuf, oci, file)") }
    static var events: MetricNameDescriptor { name("events", unit: "total", "Events raised, by kind") }
    static var deliveries: MetricNameDescriptor { name("alert_deliveries", unit: "total", "Alert delivery attempts, by channel and result") }
    static var rootExpiry: MetricNameDescriptor { name("root_expiry_timestamp", unit: "seconds", "Unix time the pinned root of a target expires") }
    static var refusedBatches: MetricNameDescriptor { name("ingest_batches_refused", unit: "total", "Observation batches refused whole or cut short, by reason") }
    static var signatureChecks: MetricNameDescriptor { name("ingest_signature_checks", unit: "total", "Observations canonicalised and signature-checked by ingest") }
    static var refusedConnections: MetricNameDescriptor { name("http_connections_refused", unit: "total", "Connections closed on accept: listen.max_connections were open") }
    static var timedOutConnections: MetricNameDescriptor { name("http_connections_timed_out", unit: "total", "Connections closed because a request head or body did not arrive, or a response was not taken, in time, by phase") }
    static var agentLastSeen: MetricNameDescriptor { name("agent_last_seen_timestamp", unit: "seconds", "Unix time an enrolled agent last reported") }

    init() {
        ingestDuration = registry.makeDurationHistogram(
            descriptor: Self.name("ingest_duration", unit: "seconds", "Time to verify and durably commit one observation batch"),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)])
        pinListVersion = registry.makeGauge(descriptor: Self.name("pin_list_version", "Version of the latest published pin list"))
        outboxDepth = registry.makeGauge(descriptor: Self.name("outbox_depth", "Alert deliveries not yet delivered"))
        pinListExpiry = registry.makeGauge(descriptor: Self.name("pin_list_expiry_timestamp", unit: "seconds", "Unix time the latest published pin list expires (0: none published)"))
        pendingApprovals = registry.makeGauge(descriptor: Self.name("pending_approvals", "Targets whose leading root waits for approvers' signatures"))
        openConnections = registry.makeGauge(descriptor: Self.name("http_connections", "Client connections open"))
    }

    func ingested(accepted: Int, duplicates: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.ingested, labels: [("result", "accepted")]).increment(by: Int64(accepted))
        registry.makeCounter(descriptor: Self.ingested, labels: [("result", "duplicate")]).increment(by: Int64(duplicates))
        ingestDuration.record(duration)
    }

    func rejected(reason: IngestRejection.Code) {
        registry.makeCounter(descriptor: Self.rejected, labels: [("reason", reason.rawValue)]).increment()
    }

    /// A batch refused before its observations were checked, or cut short at an item that failed authentication.
    func refusedBatch(reason: String) {
        registry.makeCounter(descriptor: Self.refusedBatches, labels: [("reason", reason)]).increment()
    }

    /// Observations that cost a canonicalisation and a signature check.
    func signatureChecked(_ count: Int) {
        registry.makeCounter(descriptor: Self.signatureChecks).increment(by: Int64(count))
    }

    func connections(open: Int) { openConnections.set(Int64(open)) }

    func connectionRefused() { registry.makeCounter(descriptor: Self.refusedConnections).increment() }

    func connectionTimedOut(phase: String) {
        registry.makeCounter(descriptor: Self.timedOutConnections, labels: [("phase", phase)]).increment()
    }

    func targets(_ counts: [String: Int]) {
        for status in Self.statuses {
            registry.makeGauge(descriptor: Self.targets, labels: [("status", status)]).set(Int64(counts[status] ?? 0))
        }
    }

    /// One gauge per kind, every kind always present (a kind with no target reads 0, not absent).
    func targetKinds(_ counts: [String: Int]) {
        for kind in [TargetSpec.Kind.notary, .tuf, .oci, .file] {
            registry.makeGauge(descriptor: Self.targetsByKind, labels: [("kind", kind.rawValue)]).set(Int64(counts[kind.rawValue] ?? 0))
        }
    }

    func published(version: Int64, expires: Timestamp) {
        pinListVersion.set(version)
        pinListExpiry.set(expires.seconds)
    }

    /// State gauges: alert rules compare them with `time()`, so they fire while a state lasts and clear when it
    /// ends, whatever happened in between. A round sets those of the targets it decided (`nil`: nothing pinned, or
    /// the target was removed — the series is dropped, or a stale value would keep an alert firing).
    func rootExpiry(_ updates: [String: Int64?]) {
        rootExpiries.withLock { expiries in
            for (target, expires) in updates { expiries[target] = expires }
        }
    }

    /// Last report of every enrolled agent; agents no longer enrolled are dropped.
    func agentsLastSeen(_ seen: [String: Int64]) {
        let previous = labelledAgents.withLock { agents in
            defer { agents = Set(seen.keys) }
            return agents
        }
        for agent in previous.subtracting(seen.keys) {
            registry.unregisterGauge(registry.makeGauge(descriptor: Self.agentLastSeen, labels: [("agent", agent)]))
        }
        for (agent, at) in seen { registry.makeGauge(descriptor: Self.agentLastSeen, labels: [("agent", agent)]).set(at) }
    }

    func pendingApprovals(_ count: Int) { pendingApprovals.set(Int64(count)) }

    func event(kind: String) {
        registry.makeCounter(descriptor: Self.events, labels: [("kind", kind)]).increment()
    }

    func delivery(channel: String, delivered: Bool) {
        registry.makeCounter(
            descriptor: Self.deliveries, labels: [("channel", channel), ("result", delivered ? "delivered" : "failed")]
        ).increment()
    }

    func outbox(depth: Int) { outboxDepth.set(Int64(depth)) }

    /// The exposition text: the registry's metrics, then root expiry by target (sorted, so scrapes compare).
    func render() -> [UInt8] {
        var text = registry.emitToBuffer()
        let expiries = rootExpiries.withLock { $0 }
        guard !expiries.isEmpty else { return text }
        let name = Self.rootExpiry.name
        text.append(contentsOf: "# HELP \(name) \(Self.rootExpiry.helpText ?? "")\n# TYPE \(name) gauge\n".utf8)
        for (target, expires) in expiries.sorted(by: { $0.key < $1.key }) {
            text.append(contentsOf: "\(name){target=\"\(Self.labelValue(target))\"} \(expires)\n".utf8)
        }
        return text
    }

    /// A label value in the text exposition format: backslash, double quote and line feed escaped.
    static func labelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
