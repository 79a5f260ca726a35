import Foundation
import Testing
import VantageAgent
import VantageCore
import VantageTestSupport

/// A registry that answers `429 Too Many Requests` forever, against the real `vantage-agent run` daemon polling every
/// second: a `Retry-After` of an hour costs the registry one request, not one per poll, and the agent still reports
/// every round (an `http_status` 429 observation that says it did not ask): silence is never the signal. Positive
/// control: the same daemon and registry with `Retry-After: 1` is asked again.
@Suite("A registry that answers 429 forever", .serialized, .timeLimit(.minutes(3)))
struct RateLimitTests {
    /// Poll rounds (one observation of the one target each) watched before counting the registry's requests.
    static let rounds = 5

    /// A daemon with one `oci` target on a ``FakeRegistry`` over https (an image's registry is never reached over
    /// plain http), delivering to a ``FakeCoordinator``.
    struct Run {
        let coordinator: FakeCoordinator
        let registry: FakeRegistry
        let daemon: ChildProcess

        /// Its observations as the coordinator stored them, by sequence.
        func observations() async -> [Observation] {
            await coordinator.ledger.stored.values.map(\.observation).sorted { $0.sequence < $1.sequence }
        }
    }

    /// Runs `body` with a daemon whose registry answers every manifest request `429` with `Retry-After: retryAfter`;
    /// stops everything afterwards (when `body` throws too; the scratch folder with the agent's log is kept then).
    static func withRun(retryAfter: String, _ body: (Run) async throws -> Void) async throws {
        let scratch = try Scratch("vantage-429")
        let (certificates, coordinator): (TestCertificates, FakeCoordinator)
        do {
            certificates = try await TestCertificates.make(in: scratch.file("pki"))
            let identity = try AgentKeyFile.create(at: scratch.file("agent.key"))
            coordinator = try await FakeCoordinator.start(agentKey: identity.publicKey)
        } catch {
            scratch.remove()
            throw error
        }
        let registry: FakeRegistry
        do { registry = try await FakeRegistry(tls: certificates) } catch {
            await coordinator.stop()
            scratch.remove()
            throw error
        }
        let daemon: ChildProcess
        do {
            await registry.set(.init(status: 429, retryAfter: retryAfter))
            let config = """
                {
                  "agent": {"id": "test-agent", "region": "test-region", "key": "agent.key"},
                  "coordinators": ["\(coordinator.url)"],
                  "spool": {"dir": "spool"},
                  "poll": {"interval_seconds": 1, "jitter_seconds": 0},
                  "http": {"ca_bundle": "\(certificates.caFile)"},
                  "network": {"allow_private_addresses": true},
                  "targets": {"app": {"kind": "oci", "image": "127.0.0.1:\(registry.port)/team/app:1.0"}}
                }
                """
            let path = try scratch.write(config, to: "agent.json")
            daemon = try ChildProcess(
                PackagePaths.executable("vantage-agent"), ["run", "--config", path], outputPath: scratch.file("agent.log"),
                directory: scratch.path)
        } catch {
            await registry.stop()
            await coordinator.stop()
            scratch.remove()
            throw error
        }
        let run = Run(coordinator: coordinator, registry: registry, daemon: daemon)
        do { try await body(run) } catch {
            daemon.stop()
            await registry.stop()
            await coordinator.stop()
            throw TestFailure("\(error); agent log in \(scratch.path):\n\(daemon.logTail())")
        }
        daemon.stop()
        await registry.stop()
        await coordinator.stop()
        scratch.remove()
    }

    @Test("Retry-After: 3600 — one request to the registry over five rounds, and a 429 observation every round")
    func anHourLongRetryAfterCostsOneRequest() async throws {
        try await Self.withRun(retryAfter: "3600") { run in
            try await waitUntil("the coordinator holds \(Self.rounds) observations", seconds: 120, every: .milliseconds(100)) {
                await run.coordinator.ledger.stored.count >= Self.rounds
            }
            let observations = await run.observations()
            let hits = await run.registry.hits()
            #expect(hits.count == 1, "one request in \(observations.count) rounds, not one per poll: \(hits)")
            #expect(hits.first?.method == "GET" && hits.first?.path == "/v2/team/app/manifests/1.0", "\(hits)")
            // One observation per round, none missing: the agent reports while it waits.
            #expect(observations.map(\.sequence) == (1...Int64(observations.count)).map { $0 })
            #expect(observations.allSatisfy { $0.target == "app" && $0.error?.kind == .httpStatus && $0.error?.status == 429 })
            let first = try #require(observations.first?.error?.message)
            #expect(first.contains("HTTP 429 (rate limited), retry after "), "\(first)")
            // Every later round names the instant the registry's answer named, and did not ask.
            let until = try #require(first.components(separatedBy: "retry after ").last)
            for later in observations.dropFirst().compactMap(\.error?.message) {
                #expect(later == "not asked: the registry asked to wait until \(until) (HTTP 429)", "\(later)")
            }
        }
    }

    @Test("positive control: Retry-After: 1 — the same daemon asks the registry again on later rounds")
    func aShortRetryAfterIsAskedAgain() async throws {
        try await Self.withRun(retryAfter: "1") { run in
            try await waitUntil("the registry is asked a second time", seconds: 120, every: .milliseconds(100)) {
                await run.registry.manifestHits("GET") >= 2
            }
            try await waitUntil("the coordinator holds 2 observations", seconds: 60, every: .milliseconds(100)) {
                await run.coordinator.ledger.stored.count >= 2
            }
            let observations = await run.observations()
            #expect(observations.allSatisfy { $0.target == "app" && $0.error?.kind == .httpStatus && $0.error?.status == 429 })
            #expect(observations.first?.error?.message.contains("HTTP 429 (rate limited)") == true)
        }
    }
}
