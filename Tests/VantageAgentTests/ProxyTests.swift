import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// `HTTPS_PROXY` / `NO_PROXY` end to end: the built `vantage-agent` with both variables in its environment, a real
/// CONNECT proxy (`Tests/Support/connect_proxy.py`) that logs every tunnel it opens, a TUF mirror over HTTPS
/// (`testserver.py`) and a fake coordinator, all on loopback.
@Suite("HTTPS proxy", .timeLimit(.minutes(3)))
struct ProxyTests {
    @Test func httpsTargetGoesThroughTheProxyAndNoProxyTargetGoesDirect() async throws {
        let fixture = try await HTTPFixture()
        var proxy: ConnectProxy?
        var coordinator: FakeCoordinator?
        var agent: ChildProcess?
        func cleanUp() async {
            agent?.stop()
            proxy?.stop()
            await coordinator?.stop()
            await fixture.close()
        }
        do {
            let identity = try AgentKeyFile.create(at: fixture.scratch.file("agent.key"))
            let chain = try RootChain(count: 3)
            try chain.write(to: fixture.scratch.file("www/proxied"))
            try chain.write(to: fixture.scratch.file("www/direct"))
            proxy = try await ConnectProxy(logPath: fixture.scratch.file("proxy.log"))
            coordinator = try await FakeCoordinator.start(agentKey: identity.publicKey)
            let port = fixture.server.port
            // The server certificate names both localhost and 127.0.0.1: one host goes through the proxy, the
            // other (and the coordinator, on 127.0.0.1 too) is listed in NO_PROXY.
            let proxiedURL = "https://localhost:\(port)/files/proxied"
            let directURL = "https://127.0.0.1:\(port)/files/direct"
            let config = """
                {
                  "agent": {"id": "proxy-agent", "region": "test-region", "key": "agent.key"},
                  "coordinators": ["\(coordinator!.url)"],
                  "spool": {"dir": "spool"},
                  "poll": {"concurrency": 2},
                  "http": {"ca_bundle": "\(fixture.certificates.caFile)", "request_timeout_seconds": 5, "total_timeout_seconds": 10},
                  "network": {"allow_private_addresses": true},
                  "targets": {
                    "proxied": {"kind": "tuf", "url": "\(proxiedURL)"},
                    "direct": {"kind": "tuf", "url": "\(directURL)"}
                  }
                }
                """
            let configPath = fixture.scratch.file("agent.json")
            try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
            let executable = PackagePaths.executable("vantage-agent")
            let run = try ChildProcess(
                executable, ["run", "--config", configPath, "--once", "--log-level", "debug"],
                stderrPath: fixture.scratch.file("agent.log"),
                environment: .inherited(overlay: ["HTTPS_PROXY": proxy!.url, "NO_PROXY": "127.0.0.1", "https_proxy": "", "no_proxy": ""]))
            agent = run
            let status = await run.wait()
            let log = (try? String(contentsOfFile: fixture.scratch.file("agent.log"), encoding: .utf8)) ?? ""
            #expect(status == 0, "agent log:\n\(log)")

            let stored = await coordinator!.ledger.stored.values.map(\.observation)
            let byTarget = Dictionary(stored.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(stored.count == 2)
            for target in ["proxied", "direct"] {
                let observation = try #require(byTarget[target], "no observation for \(target)")
                #expect(observation.error == nil, "\(target): \(observation.error?.message ?? "")")
                #expect(observation.fingerprint?.version == 3, "\(target) walked 1 → 2 → 3 over HTTPS")
                #expect(observation.chainSteps == 2)
            }

            let requests = proxy!.requests()
            #expect(requests.contains("CONNECT localhost:\(port)"), "the proxied target was tunnelled: \(requests)")
            #expect(requests.allSatisfy { $0 == "CONNECT localhost:\(port)" }, "only that tunnel, nothing else: \(requests)")
            #expect(!requests.contains { $0.contains("127.0.0.1") }, "NO_PROXY hosts (target, coordinator) went direct")
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }
}
