import Testing
@testable import VantageCoordinator

/// Root expiry by target, which `/metrics` renders itself rather than through one registry gauge per target.
@Suite("Coordinator metrics")
struct CoordinatorMetricsTests {
    static func expiryLines(_ metrics: CoordinatorMetrics) -> [String] {
        String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("vantage_root_expiry_timestamp_seconds") || $0.hasSuffix(" vantage_root_expiry_timestamp_seconds gauge") }
    }

    @Test func setUpdatedAndDroppedSeries() {
        let metrics = CoordinatorMetrics()
        #expect(Self.expiryLines(metrics).isEmpty, "no family before anything is pinned")
        metrics.rootExpiry(["b/app": 200, "a/app": 100])
        metrics.rootExpiry(["b/app": 300])
        #expect(Self.expiryLines(metrics) == [
            "# TYPE vantage_root_expiry_timestamp_seconds gauge",
            #"vantage_root_expiry_timestamp_seconds{target="a/app"} 100"#,
            #"vantage_root_expiry_timestamp_seconds{target="b/app"} 300"#,
        ])
        // Nothing pinned any more (or the target removed): the series goes, or a stale value would keep an alert firing.
        metrics.rootExpiry(["a/app": nil])
        #expect(Self.expiryLines(metrics) == [
            "# TYPE vantage_root_expiry_timestamp_seconds gauge",
            #"vantage_root_expiry_timestamp_seconds{target="b/app"} 300"#,
        ])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains("# HELP vantage_root_expiry_timestamp_seconds Unix time the pinned root of a target expires\n"))
    }

    @Test func labelValuesAreEscaped() {
        let metrics = CoordinatorMetrics()
        metrics.rootExpiry(["q\"uote\\back\nline": 1])
        #expect(Self.expiryLines(metrics).last == #"vantage_root_expiry_timestamp_seconds{target="q\"uote\\back\nline"} 1"#)
    }
}
