import Foundation
import VantageTestSupport
import Testing
import VantageCore

/// deploy/prometheus/vantage-rules.yml: the alerts the issue asks for exist, and every metric and label value
/// they use is one the programs export (a running coordinator's /metrics, and the metric definitions).
@Suite(.enabled(if: YAML.python != nil, "needs python3 with PyYAML (Debian: python3-yaml)"))
struct PrometheusRulesTests {
    static let file = "deploy/prometheus/vantage-rules.yml"

    func rules() throws -> [[String: Any]] {
        let root = try #require(try YAML.documents(PackagePaths.path(Self.file)).first as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
    }

    /// Metric names from CoordinatorMetrics.swift (`name("x", unit: "total", …)` → `vantage_x_total`) and the
    /// agent's swift-metrics labels in AgentMetrics.swift, with the series suffixes of histograms.
    static func definedMetrics() throws -> Set<String> {
        var names = Set<String>()
        let coordinator = try Repo.read("Sources/VantageCoordinator/Support/CoordinatorMetrics.swift")
        let descriptor = try NSRegularExpression(pattern: #"name\("([a-z_]+)"(?:, unit: "([a-z]+)")?"#)
        for match in descriptor.matches(in: coordinator, range: NSRange(coordinator.startIndex..., in: coordinator)) {
            let base = "vantage_" + coordinator[Range(match.range(at: 1), in: coordinator)!]
            let unit = Range(match.range(at: 2), in: coordinator).map { "_" + coordinator[$0] } ?? ""
            names.insert(base + unit)
        }
        let agent = try Repo.read("Sources/VantageAgent/Metrics/AgentMetrics.swift")
        for match in descriptor.matches(in: agent, range: NSRange(agent.startIndex..., in: agent)) {
            let base = "vantage_agent_" + agent[Range(match.range(at: 1), in: agent)!]
            let unit = Range(match.range(at: 2), in: agent).map { "_" + agent[$0] } ?? ""
            names.insert(base + unit)
        }
        for name in names where name.hasSuffix("_seconds") {
            names.formUnion(["_bucket", "_sum", "_count"].map { name + $0 })
        }
        return names
    }

    @Test func rulesCoverTheIssuesAlerts() throws {
        let all = try rules()
        let names = Set(all.compactMap { $0["alert"] as? String })
        for required in ["VantageSplitView", "VantageUnchainedChange", "VantageQuorumLost", "VantageRootExpiring",
                         "VantageAgentSilent", "VantageAlertDeliveryFailing"] {
            #expect(names.contains(required), "\(required) missing")
        }
        for rule in all {
            #expect(rule["expr"] is String)
            #expect(((rule["labels"] as? [String: Any])?["severity"]) is String, "\(rule["alert"] ?? "")")
            #expect(((rule["annotations"] as? [String: Any])?["summary"]) is String)
        }
    }

    /// Scrapes a coordinator started from the systemd unit (after its first pin list, so consensus has run and
    /// raised an event), then checks each expression's metric names and `kind` / `status` / `result` label values.
    @Test(.timeLimit(.minutes(2)))
    func rulesUseOnlyExportedMetricsAndLabelValues() async throws {
        let stack = try UnitStack(agents: 2)
        var scraped = ""
        do {
            try await stack.start()
            _ = try await stack.waitForPinList()
            scraped = try await HTTP.waitFor("vantage_targets and vantage_events_total in /metrics") {
                let body = await HTTP.get(stack.baseURL + "/metrics").body
                return body.contains("vantage_targets{") && body.contains("vantage_events_total{") ? body : nil
            }
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
        let exported = Set(scraped.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
        })
        #expect(exported.contains("vantage_pin_list_version"))
        for gauge in ["vantage_pin_list_expiry_timestamp_seconds", "vantage_root_expiry_timestamp_seconds",
                      "vantage_agent_last_seen_timestamp_seconds", "vantage_pending_approvals"] {
            #expect(exported.contains(gauge), "\(gauge) missing from /metrics")
        }
        // Every metric family has its HELP line.
        let families = Set(scraped.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let helped = Set(scraped.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(families.isSubset(of: helped), "no HELP for \(families.subtracting(helped))")
        #expect(exported.contains("vantage_targets"))
        #expect(exported.contains("vantage_events_total"))
        let defined = try Self.definedMetrics()
        #expect(exported.isSubset(of: defined.union(exported.filter { !$0.hasPrefix("vantage_") })), "definitions parsed: \(defined)")

        let labelValues: [String: Set<String>] = [
            "kind": Set(VantageEvent.Kind.allCases.map(\.rawValue)),
            "status": ["agreed", "changing", "pending", "split_view", "no_consensus", "unobserved"],
            "result": ["accepted", "duplicate", "delivered", "failed", "rejected", "ok"],
        ]
        // Status values as the coordinator exports them (every status has a series from the first round).
        let statuses = Set(scraped.split(separator: "\n").filter { $0.hasPrefix("vantage_targets{") }.compactMap {
            $0.components(separatedBy: "status=\"").last?.split(separator: "\"").first.map(String.init)
        })
        #expect(statuses == labelValues["status"], "\(statuses)")

        let metricName = try NSRegularExpression(pattern: #"\b(vantage_[a-z_]+)"#)
        let matcher = try NSRegularExpression(pattern: #"(kind|status|result)=~?"([^"]+)""#)
        for rule in try rules() {
            let expr = rule["expr"] as? String ?? ""
            for match in metricName.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                let name = String(expr[Range(match.range(at: 1), in: expr)!])
                #expect(defined.contains(name), "\(rule["alert"] ?? ""): \(name) is not exported")
            }
            for match in matcher.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                let label = String(expr[Range(match.range(at: 1), in: expr)!])
                for value in expr[Range(match.range(at: 2), in: expr)!].split(separator: "|") {
                    #expect(labelValues[label]?.contains(String(value)) == true, "\(rule["alert"] ?? ""): \(label)=\(value)")
                }
            }
        }
    }

    /// deploy/grafana/vantage-dashboard.json: every panel query names only metrics the programs export, and is valid
    /// PromQL (promtool checks each as a recording rule, with the dashboard variables filled in).
    @Test(.enabled(if: Shell.which("promtool") != nil, "needs promtool (Debian: prometheus)"))
    func dashboardQueriesUseExportedMetricsAndParse() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: PackagePaths.path("deploy/grafana/vantage-dashboard.json")))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(queries.count >= 10)
        let defined = try Self.definedMetrics()
        let metricName = try NSRegularExpression(pattern: #"\b(vantage_[a-z_]+)"#)
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (n, query) in queries.enumerated() {
            let names = metricName.matches(in: query, range: NSRange(query.startIndex..., in: query)).map { String(query[Range($0.range(at: 1), in: query)!]) }
            #expect(!names.isEmpty, "\(query) reads no Vantage metric")
            for name in names { #expect(defined.contains(name), "dashboard: \(name) is not exported (\(query))") }
            let filled = query.replacingOccurrences(of: "$instance", with: ".*")
            rules += "      - record: dashboard:panel_\(n)\n        expr: '\(filled.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let file = try temporaryDirectory("dashboard").appendingPathComponent("queries.yml")
        try Data(rules.utf8).write(to: file)
        let promtool = try #require(Shell.which("promtool"))
        let check = try await Shell.run(promtool, ["check", "rules", file.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// promtool (Debian: prometheus, installed by .ci/run) checks the PromQL, then runs the unit tests of
    /// deploy/prometheus/vantage-rules.test.yml: for each alert, series that fire it and series that must not.
    @Test(.enabled(if: Shell.which("promtool") != nil, "needs promtool (Debian: prometheus)"))
    func promtoolChecksAndTestsTheRules() async throws {
        let promtool = try #require(Shell.which("promtool"))
        let check = try await Shell.run(promtool, ["check", "rules", PackagePaths.path(Self.file)])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let tests = try await Shell.run(promtool, ["test", "rules", PackagePaths.path("deploy/prometheus/vantage-rules.test.yml")])
        #expect(tests.status == 0, "\(tests.stdout)\(tests.stderr)")
        // Every alert has a test case, firing and quiet.
        let testFile = try Repo.read("deploy/prometheus/vantage-rules.test.yml")
        for name in try rules().compactMap({ $0["alert"] as? String }) {
            #expect(testFile.contains("alertname: \(name)\n"), "\(name) has no promtool test")
        }
    }
}
