import AsyncHTTPClient
import Foundation
import VantageTestSupport
import Testing
import VantageClient
import VantageCoordinator
import VantageCore
import VantageTUF

/// CI traffic off the coordinator: the coordinator writes each published list into a static mirror folder, a plain
/// HTTP server serves it, and `vantage-pins install --mirror` verifies and installs from it exactly as from the
/// coordinator — with the coordinator down, after a mirror that is down, and never from a mirror that altered a pin.
@Suite("vantage-pins install from a static mirror and from several sources (black box)")
struct MirrorInstallTests {
    @Test func installFromMirrorWithCoordinatorDown() async throws {
        let scratch = try Scratch("vantage-mirror")
        defer { scratch.remove() }
        let work = scratch.url
        let fleet = try Fleet()
        let root = fleet.root, parsed = fleet.parsed
        let mirror = work.appendingPathComponent("www/pins").path
        // A live coordinator: three agents report the root, a round pins and publishes it, the mirror is written.
        let coordinatorURL = try await fleet.publish(in: work, mirror: mirror) { url, client in
            var policy = try await client.policy()
            // Where clients look when no source is given: the coordinator (about to go down), then its mirror.
            policy.coordinators[0].url = url
            policy.coordinators[0].mirrors = ["http://127.0.0.1:\(MirrorInstallTests.closedPort)/files/www/pins"]
            try Data(try Canonical.encode(policy)).write(to: work.appendingPathComponent("policy.json"))
            return url
        }
        // The coordinator is down from here on.
        let files = ["latest.json", "headers/1.json", "lists/1.json", "blobs/\(parsed.sha256)"]
        for file in files { #expect(FileManager.default.fileExists(atPath: "\(mirror)/\(file)"), "\(file)") }
        let bundles = try FileManager.default.contentsOfDirectory(atPath: "\(mirror)/bundles")
        #expect(bundles.count == 1)

        let server = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"),
                                           "--dir", work.path, "--quiet", "--watch-stdin"])
        defer { server.stop() }
        let mirrorURL = "http://127.0.0.1:\(server.port)/files/www/pins"
        let policy = work.appendingPathComponent("policy.json").path
        func install(_ name: String, _ sources: [String]) async throws -> (CLI.Result, String) { try await Self.install(work, name, sources) }

        // A mirror that is down, then the working one: the first list that verifies is installed.
        let (fallback, installed) = try await install("fallback", ["--mirror", "http://127.0.0.1:\(Self.closedPort)/files/www/pins", "--mirror", mirrorURL])
        #expect(fallback.status == 0, "\(fallback.stdout) \(fallback.stderr)")
        #expect(fallback.stderr.contains("trying the next source"), "\(fallback.stderr)")
        #expect(FileManager.default.contents(atPath: installed) == Data(root))

        // No source on the command line: the policy's coordinator and its mirror are tried, both down: nothing installed.
        let (policyOnly, nothing) = try await install("policy-only", [])
        #expect(policyOnly.status != 0 && !FileManager.default.fileExists(atPath: nothing), "\(policyOnly.stderr)")
        #expect(policyOnly.stderr.contains(coordinatorURL), "\(policyOnly.stderr)")
        // The policy naming the working mirror after its coordinator (down): the mirror's list is installed.
        var listed = try Canonical.decode(TrustPolicy.self, from: Data(contentsOf: URL(fileURLWithPath: policy)))
        listed.coordinators[0].mirrors = [mirrorURL]
        try Data(try Canonical.encode(listed)).write(to: URL(fileURLWithPath: policy))
        let (fromPolicy, policyInstalled) = try await install("from-policy", [])
        #expect(fromPolicy.status == 0 && FileManager.default.contents(atPath: policyInstalled) == Data(root), "\(fromPolicy.stderr)")
        #expect(fromPolicy.stderr.contains("coordinator \(coordinatorURL)") && fromPolicy.stderr.contains("trying the next source"))

        // A mirror that altered the pin in its bundle: refused, nothing installed; the same mirror restored installs.
        let bundle = "\(mirror)/bundles/\(bundles[0])"
        let genuine = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let forged = String(decoding: genuine, as: UTF8.self).replacingOccurrences(of: parsed.sha256, with: String(repeating: "0", count: 64))
        try Data(forged.utf8).write(to: URL(fileURLWithPath: bundle))
        let (tampered, refusedAt) = try await install("tampered", ["--mirror", mirrorURL])
        #expect(tampered.status == 12, "\(tampered.stdout) \(tampered.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refusedAt))
        try genuine.write(to: URL(fileURLWithPath: bundle))
        let (restored, restoredAt) = try await install("restored", ["--mirror", mirrorURL])
        #expect(restored.status == 0 && FileManager.default.contents(atPath: restoredAt) == Data(root), "\(restored.stderr)")
    }

    @Test func secondCoordinatorWhenTheFirstIsDown() async throws {
        let scratch = try Scratch("vantage-two")
        defer { scratch.remove() }
        let work = scratch.url
        let fleet = try Fleet()
        // Two coordinators, each with its own key and database, the same agents reporting to both. A publishes and
        // goes down; B stays up. The policy lists A first.
        let first = try await fleet.publish(in: work.appendingPathComponent("a"), mirror: nil) { url, client in
            var policy = try await client.policy()
            policy.coordinators[0].url = url
            return policy
        }
        try await fleet.publish(in: work.appendingPathComponent("b"), mirror: nil) { url, client in
            var second = try await client.policy()
            second.coordinators[0].url = url
            var both = first
            both.coordinators = first.coordinators + second.coordinators
            let policy = work.appendingPathComponent("policy.json")
            // Only A (down): nothing to install from.
            try Data(try Canonical.encode(first)).write(to: policy)
            let (alone, none) = try await Self.install(work, "a-only", [])
            #expect(alone.status != 0 && !FileManager.default.fileExists(atPath: none), "\(alone.stderr)")
            // A, then B: A is reported down, B's list verifies under the same policy and is installed.
            try Data(try Canonical.encode(both)).write(to: policy)
            let (result, installed) = try await Self.install(work, "a-then-b", [])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("coordinator \(first.coordinators[0].url ?? "")") && result.stderr.contains("trying the next source"))
            #expect(FileManager.default.contents(atPath: installed) == Data(fleet.root))
        }
    }

    /// `vantage-pins install t/app --for python-tuf` with `work/policy.json`, a fresh state file and `sources`.
    /// Run detached: a blocking wait would hold a thread of the cooperative pool the in-process coordinator needs.
    static func install(_ work: URL, _ name: String, _ sources: [String]) async throws -> (CLI.Result, String) {
        let out = work.appendingPathComponent("out-\(name)").path
        let result = try await CLI.run(
            ["install", "t/app", "--for", "python-tuf", "--out", out, "--policy", work.appendingPathComponent("policy.json").path,
             "--state", work.appendingPathComponent("state-\(name).json").path] + sources,
            tool: "vantage-pins", environment: ["VANTAGE_COORDINATOR": ""])
        return (result, out + "/root.json")
    }

    /// Three agents (eu, us, ap) that all see one TUF root for `t/app`.
    struct Fleet {
        let agents = [("a1", "eu"), ("a2", "us"), ("a3", "ap")].map { (id: $0.0, region: $0.1, key: SigningIdentity()) }
        let root: [UInt8]
        let parsed: Root

        init() throws {
            root = try RootFixture(keys: 1, expires: Date().addingTimeInterval(86_400 * 30)).document(threshold: 1)
            parsed = try Root.parse(root)
        }

        /// Runs a coordinator (state in `work`, its own key) on loopback, has the agents report the root, runs a round
        /// (pin, publication, mirror), then `body` with its URL and a client; the coordinator is shut down after.
        func publish<T: Sendable>(
            in work: URL, mirror: String?, _ body: @Sendable (String, CoordinatorClient) async throws -> T
        ) async throws -> T {
            var configuration = try LoopbackCoordinator.configuration(state: work.path)
            configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) }
            configuration.targets = [TargetSpec(id: "t/app", kind: .tuf, url: "https://tuf.example.test/app")]
            configuration.mirrorDirectory = mirror
            let observations = try agents.map { agent in
                try SignedObservation(signing: Observation(
                    agent: agent.id, region: agent.region, target: "t/app",
                    source: RepositorySource(kind: .tuf, url: "https://tuf.example.test/app", gun: nil)!, observedAt: Timestamp(Date()),
                    sequence: 1, latencyMilliseconds: 5, fingerprint: RootFingerprint(parsed),
                    selfSignature: SelfSignature(RootVerifier.selfCheck(parsed)), continuity: .firstSight),
                    with: agent.key, rootBytes: root)
            }
            return try await LoopbackCoordinator.run(configuration) { url, coordinator in
                let http = try HTTPClientFactory.make()
                defer { _ = http.shutdown() }
                let client = CoordinatorClient(baseURL: url, http: http)
                let receipt = try await client.submit(ObservationBatch(observations: observations))
                #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items)")
                _ = try await coordinator.consensus.evaluateNow()
                return try await body(url, client)
            }
        }
    }

    /// A loopback port nothing listens on (connection refused).
    static let closedPort = 9
}
