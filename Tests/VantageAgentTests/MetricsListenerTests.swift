import AsyncHTTPClient
import Foundation
import VantageTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// The Prometheus listener of the built `vantage-agent run` (daemon mode, `metrics.listen` on a free loopback
/// port), scraped over HTTP after one poll of a TUF mirror: 12 repositories that verify, one that does not exist,
/// and a spool bounded below the number of targets so that the oldest observations are dropped.
@Suite("Metrics listener", .timeLimit(.minutes(3)))
struct MetricsListenerTests {
    static let goodTargets = 12
    static let maxRows = 10

    /// One sample of the text exposition.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses `name{a="x",b="y"} value` lines (label values here contain no quotes, commas or escapes).
    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                return nil
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)...].dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func scrape(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func metricsAfterOnePoll() async throws {
        let fixture = try await HTTPFixture()
        var coordinator: FakeCoordinator?
        var agent: ChildProcess?
        func cleanUp() async {
            agent?.stop()
            await coordinator?.stop()
            await fixture.close()
        }
        do {
            let identity = try AgentKeyFile.create(at: fixture.scratch.file("agent.key"))
            var targets: [String] = []
            for n in 0..<Self.goodTargets {
                try RootChain(count: 2).write(to: fixture.scratch.file("www/repo\(n)"))
                targets.append(#""repo\#(n)": {"kind": "tuf", "url": "\#(fixture.server.url("/files/repo\(n)"))"}"#)
            }
            targets.append(#""missing": {"kind": "tuf", "url": "\#(fixture.server.url("/files/missing"))"}"#)
            coordinator = try await FakeCoordinator.start(agentKey: identity.publicKey)
            let metricsPort = try freePort()
            let config = """
                {
                  "agent": {"id": "metrics-agent", "region": "test-region", "key": "agent.key"},
                  "coordinators": ["\(coordinator!.url)"],
                  "spool": {"dir": "spool", "batch_size": 5, "max_rows": \(Self.maxRows)},
                  "poll": {"interval_seconds": 3600, "jitter_seconds": 0, "concurrency": 4},
                  "http": {"ca_bundle": "\(fixture.certificates.caFile)", "request_timeout_seconds": 5, "total_timeout_seconds": 10},
                  "network": {"allow_private_addresses": true},
                  "metrics": {"listen": "127.0.0.1:\(metricsPort)"},
                  "targets": {\(targets.joined(separator: ","))}
                }
                """
            let configPath = fixture.scratch.file("agent.json")
            try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
            let started = Date().timeIntervalSince1970
            let daemon = try ChildProcess(
                PackagePaths.executable("vantage-agent"), ["run", "--config", configPath], stderrPath: fixture.scratch.file("agent.log"))
            agent = daemon

            // One poll: 13 probes, 3 of the oldest observations dropped by the bounded spool, 10 delivered, and
            // the spool depth recorded as 0 after delivery.
            let base = "http://127.0.0.1:\(metricsPort)"
            let deadline = ContinuousClock.now + .seconds(90)
            var samples: [Sample] = []
            var text = ""
            while ContinuousClock.now < deadline {
                if await coordinator!.ledger.stored.count == Self.maxRows,
                    let scraped = try? await Self.scrape(base + "/metrics"), scraped.status == 200
                {
                    text = scraped.body
                    samples = Self.parse(text)
                    if samples.contains(where: { $0.name == "vantage_agent_spool_depth" && $0.value == 0 }),
                        samples.contains(where: { $0.name == "vantage_agent_delivered_total" })
                    {
                        break
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let finished = Date().timeIntervalSince1970
            func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                samples.first { $0.name == name && $0.labels == labels }?.value
            }
            try #require(!samples.isEmpty, "no scrape succeeded; agent log:\n\(String(decoding: FileManager.default.contents(atPath: fixture.scratch.file("agent.log")) ?? Data(), as: UTF8.self))")

            // Fetch counts by result.
            #expect(value("vantage_agent_probes_total", ["result": "ok"]) == Double(Self.goodTargets), "\(text)")
            #expect(value("vantage_agent_probes_total", ["result": "http_status"]) == 1)
            #expect(text.contains("# TYPE vantage_agent_probes_total counter"))

            // Latency histogram, per result.
            #expect(text.contains("# TYPE vantage_agent_probe_duration_seconds histogram"))
            #expect(value("vantage_agent_probe_duration_seconds_count", ["result": "ok"]) == Double(Self.goodTargets))
            #expect(value("vantage_agent_probe_duration_seconds_bucket", ["result": "ok", "le": "+Inf"]) == Double(Self.goodTargets))
            #expect(value("vantage_agent_probe_duration_seconds_count", ["result": "http_status"]) == 1)
            let sum = value("vantage_agent_probe_duration_seconds_sum", ["result": "ok"]) ?? -1
            #expect(sum >= 0 && sum < Double(Self.goodTargets) * 10)
            let buckets = samples.filter { $0.name == "vantage_agent_probe_duration_seconds_bucket" && $0.labels["result"] == "ok" }
            #expect(buckets.count > 2, "finite buckets and +Inf")
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "cumulative buckets")

            // Spool depth and the dropped count.
            #expect(text.contains("# TYPE vantage_agent_spool_depth gauge"))
            #expect(value("vantage_agent_spool_depth") == 0)
            #expect(value("vantage_agent_spool_dropped_total") == 3, "13 observations into a spool of \(Self.maxRows)")
            #expect(value("vantage_agent_delivered_total", ["coordinator": coordinator!.url, "result": "accepted"]) == 10)
            #expect(value("vantage_agent_delivery_failures_total", ["coordinator": coordinator!.url]) ?? 0 == 0)

            // Last success per target: every verified repository, not the missing one.
            for n in 0..<Self.goodTargets {
                let at = value("vantage_agent_last_success_timestamp_seconds", ["target": "repo\(n)"])
                #expect(at.map { $0 >= started.rounded(.down) && $0 <= finished + 1 } == true, "repo\(n): \(String(describing: at))")
            }
            #expect(value("vantage_agent_last_success_timestamp_seconds", ["target": "missing"]) == nil)
            #expect(value("vantage_agent_last_delivery_timestamp_seconds", ["coordinator": coordinator!.url]).map { $0 >= started.rounded(.down) } == true)

            // Every metric family has its HELP line.
            let families = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
            let helped = Set(text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
            #expect(!families.isEmpty && families.isSubset(of: helped), "no HELP for \(families.subtracting(helped))")

            // A client that connects and sends nothing is disconnected by the listener's idle timer.
            let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: metricsPort).get()
            let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await silent.closeFuture.get(); return true }
                group.addTask { try await Task.sleep(for: .seconds(60)); return false }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            if !closed { try? await silent.close() }
            #expect(closed, "a silent connection to /metrics was still open after 60 s")

            // Anything but /metrics is 404.
            #expect(try await Self.scrape(base + "/other").status == 404)

            daemon.signal(SIGTERM)
            #expect(await daemon.wait() == 0)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }
}
