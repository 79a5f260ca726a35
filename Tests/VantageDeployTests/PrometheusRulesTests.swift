import Foundation
import Testing
import VantageCore

/// deploy/prometheus/vantage-rules.yml: the alerts the issue asks for exist, and every metric and label value
/// they use is one the programs export (a running coordinator's /metrics, and the metric definitions).
@Suite(.enabled(if: YAML.python != nil, "needs python3 with PyYAML (Debian: python3-yaml)"))
struct PrometheusRulesTests {
    static let file = "deploy/prometheus/vantage-rules.yml"

    func rules() throws -> [[String: Any]] {
        let root = try #require(try YAML.documents(Repo.path(Self.file)).first as? [String: Any])
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
        let label = try NSRegularExpression(pattern: #"label: "(vantage_agent_[a-z_]+)""#)
        for match in label.matches(in: agent, range: NSRange(agent.startIndex..., in: agent)) {
            names.insert(String(agent[Range(match.range(at: 1), in: agent)!]))
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
                let body = HTTP.get(stack.baseURL + "/metrics").body
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

    /// Where Prometheus' promtool is installed (Debian: prometheus), it checks the PromQL too.
    @Test func promtoolAcceptsTheRules() throws {
        guard let promtool = Shell.which("promtool") else {
            print("promtool not installed: skipped `promtool check rules`")
            return
        }
        let result = try Shell.run(promtool, ["check", "rules", Repo.path(Self.file)])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
