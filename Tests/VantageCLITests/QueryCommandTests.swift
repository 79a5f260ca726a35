import AsyncHTTPClient
import Foundation
import VantageTestSupport
import Testing
import VantageClient
import VantageCoordinator
import VantageCore
import VantageTUF

/// The question-asking and admin commands against a live coordinator (real HTTP, real SQLite file).
@Suite("vantage query, status, history, agents, events, targets, approve, alerts, policy (black box)")
struct QueryCommandTests {
    /// A named admin token: what `ops-alice` does is recorded under that name.
    static let aliceToken = "alice-admin-token-0123456789abcdef"
    static let refusalRule = "https://tuf.example.test/agreed: no network.allowed_sources pattern admits it"

    @Test("each command answers with its documented exit code and JSON, from flags or environment")
    func commands() async throws {
        let scratch = try Scratch("vantage-query")
        defer { scratch.remove() }
        let work = scratch.url
        let token = "query-test-admin-token-0123456789"
        let agents = [("a1", "eu"), ("a2", "us"), ("a3", "ap")].map { (id: $0.0, region: $0.1, key: SigningIdentity()) }
        var configuration = try LoopbackCoordinator.configuration(state: work.path)
        configuration.adminTokens = [token, "ops-alice \(Self.aliceToken)"]
        configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) }
        configuration.targets = ["agreed", "split", "unseen"].map { TargetSpec(id: "t/\($0)", kind: .tuf, url: "https://tuf.example.test/\($0)") }
        // An approver whose key file `vantage approve` signs with.
        let approverKey = work.appendingPathComponent("approver.key").path
        let approverIdentity = SigningIdentity()
        try Data(approverIdentity.fileContents.utf8).write(to: URL(fileURLWithPath: approverKey))
        configuration.approvers = [ApproverKey(id: "approver-1", publicKey: approverIdentity.publicKey)]

        // Two repositories' roots: everyone sees A for t/agreed; for t/split a1 sees A, a2 sees B (a tie).
        func root() throws -> [UInt8] { try RootFixture(keys: 1, expires: Date().addingTimeInterval(86_400 * 30)).document(threshold: 1) }
        let rootA = try root(), rootB = try root()
        let now = Timestamp(Date())
        func observation(_ agent: (id: String, region: String, key: SigningIdentity), _ target: String, _ bytes: [UInt8]) throws -> SignedObservation {
            let parsed = try Root.parse(bytes)
            return try SignedObservation(signing: Observation(
                agent: agent.id, region: agent.region, target: target,
                source: RepositorySource(kind: .tuf, url: "https://tuf.example.test/\(target.dropFirst(2))", gun: nil)!, observedAt: now,
                sequence: Int64.random(in: 1...1_000_000), latencyMilliseconds: 5, fingerprint: RootFingerprint(parsed),
                selfSignature: SelfSignature(RootVerifier.selfCheck(parsed)), continuity: .firstSight),
                with: agent.key, rootBytes: bytes)
        }

        try await LoopbackCoordinator.run(configuration) { url, coordinator in
            let http = try HTTPClientFactory.make()
            do {
                let receipt = try await CoordinatorClient(baseURL: url, http: http).submit(ObservationBatch(observations: [
                    try observation(agents[0], "t/agreed", rootA), try observation(agents[1], "t/agreed", rootA),
                    try observation(agents[2], "t/agreed", rootA),
                    try observation(agents[0], "t/split", rootA), try observation(agents[1], "t/split", rootB),
                ]))
                #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items)")
                // a1 then refuses t/agreed, naming its rule (shown by query and history); a2 and a3 still agree.
                let refusal = try SignedObservation(signing: Observation(
                    agent: agents[0].id, region: agents[0].region, target: "t/agreed",
                    source: RepositorySource(kind: .tuf, url: "https://tuf.example.test/agreed", gun: nil)!, observedAt: now,
                    sequence: Int64.random(in: 1...1_000_000), latencyMilliseconds: 0,
                    error: ObservationError(.forbidden, Self.refusalRule)), with: agents[0].key)
                let refused = try await CoordinatorClient(baseURL: url, http: http).submit(ObservationBatch(observations: [refusal]))
                #expect(refused.items.allSatisfy { $0.accepted }, "\(refused.items)")
                _ = try await coordinator.consensus.evaluateNow()
                try await check(url: url, token: token, work: work, splitDigest: try Root.parse(rootB).sha256)
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    func check(url: String, token: String, work: URL, splitDigest: String) async throws {
        let c = ["--coordinator", url]
        func json(_ result: CLI.Result) -> Any? { try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) }

        // t/split is a critical split view: status fails (13) until an admin acknowledges it.
        let status = try await CLI.run(["status", "--format", "json"] + c)
        #expect(status.status == 13, "\(status.stderr)")
        // One thing, one JSON object (not an array of one).
        #expect(((json(status) as? [String: Any])?["pin_list_version"] as? Int) ?? 0 >= 1, "\(status.stdout)")
        let open = try await CLI.run(["alerts", "--format", "json"] + c)
        let splitAlert = (json(open) as? [[String: Any]])?.compactMap { $0["event"] as? [String: Any] }.first { $0["kind"] as? String == "split_view" }
        let alertID = try #require(splitAlert?["id"] as? String, "\(open.stdout)")
        #expect(try await CLI.run(["alerts", "ack", alertID] + c).status == 1, "acknowledging needs a token")
        #expect(try await CLI.run(["alerts", "ack", "no-such-event", "--token", Self.aliceToken] + c).status == 1)
        let ack = try await CLI.run(["alerts", "ack", alertID, "--note", "checked with the repository owner", "--token", Self.aliceToken] + c)
        #expect(ack.status == 0 && ack.stderr.contains("as ops-alice"), "\(ack.stderr)")
        let after = try await CLI.run(["status"] + c)
        let stillOpen = after.status == 0 ? "" : (try await CLI.run(["alerts", "--format", "json"] + c)).stdout
        #expect(after.status == 0, "acknowledged: status is ok again; alerts now: \(stillOpen)")
        let listed = try await CLI.run(["alerts"] + c)
        #expect(listed.stdout.contains(alertID) && listed.stdout.contains("ops-alice"), "still listed, with who acknowledged it: \(listed.stdout)")
        #expect(listed.stdout.contains("checked with the repository owner"), "and the note: \(listed.stdout)")
        let listedJSON = (json(try await CLI.run(["alerts", "--format", "json"] + c)) as? [[String: Any]])?.first { ($0["event"] as? [String: Any])?["id"] as? String == alertID }
        #expect((listedJSON?["acknowledged"] as? [String: Any])?["note"] as? String == "checked with the repository owner")

        let agreed = try await CLI.run(["query", "t/agreed"] + c)
        #expect(agreed.status == 0)
        #expect(agreed.stdout.contains("a1: forbidden: \(Self.refusalRule)"), "the rule, not just error:forbidden: \(agreed.stdout)")
        let agreedHistory = try await CLI.run(["history", "t/agreed"] + c)
        #expect(agreedHistory.stdout.contains("error:forbidden") && agreedHistory.stdout.contains(Self.refusalRule), "\(agreedHistory.stdout)")
        let split = try await CLI.run(["query", "t/split", "--format", "json"] + c)
        #expect(split.status == 11, "split view exits 11: \(split.stdout)")
        #expect(split.stdout.contains("split_view"))
        #expect(try await CLI.run(["query", "t/unseen"] + c).status == 10)

        let history = try await CLI.run(["history", "t/agreed", "--format", "json"] + c)
        #expect(history.status == 0)
        #expect(history.stdout.contains("\"spans\"") && history.stdout.contains("\"first_seen\""))

        // The coordinator URL from the environment instead of a flag.
        let agentsList = try await CLI.run(["agents", "--format", "json"], environment: ["VANTAGE_COORDINATOR": url])
        #expect(agentsList.status == 0, "\(agentsList.stderr)")
        #expect((json(agentsList) as? [[String: Any]])?.count == 3)

        let events = try await CLI.run(["events", "--format", "json"] + c)
        #expect(events.status == 0)
        #expect(events.stdout.contains("first_pin") && events.stdout.contains("split_view"))

        // Admin: refused without a token (HTTP 401 → exit 1), accepted with one (flag or VANTAGE_TOKEN).
        let noToken = try await CLI.run(["targets", "add", "t/new", "--kind", "tuf", "--url", "https://tuf.example.test/new"] + c)
        #expect(noToken.status == 1)
        #expect(noToken.stderr.contains("(HTTP 401); pass --token or set VANTAGE_TOKEN"), "a hint, not a raw body: \(noToken.stderr)")
        #expect(try await CLI.run(["targets", "add", "t/new", "--kind", "tuf", "--url", "https://tuf.example.test/new", "--token", token] + c).status == 0)
        #expect(try await CLI.run(["targets", "list", "--format", "json"] + c).stdout.contains("t/new"))
        #expect(try await CLI.run(["targets", "remove", "t/new"] + c, environment: ["VANTAGE_TOKEN": token]).status == 0)
        #expect(!(try await CLI.run(["targets", "list", "--format", "json"] + c).stdout.contains("t/new")))
        let approverKey = work.appendingPathComponent("approver.key").path
        let approve = ["approve", "t/split", splitDigest, "--key", approverKey, "--approver", "approver-1", "--token", token]
        let approved = try await CLI.run(approve + ["--server", "https://tuf.example.test/split"] + c)
        #expect(approved.status == 0, "\(approved.stderr)")
        // The approver names the source they checked; the coordinator's record must agree or nothing is signed.
        let otherSource = try await CLI.run(approve + ["--server", "https://tuf.example.test/agreed"] + c)
        #expect(otherSource.status == 12 && otherSource.stderr.contains("source_mismatch"), "\(otherSource.stderr)")
        // A key the coordinator does not list as an approver is refused by the coordinator.
        let strangerKey = work.appendingPathComponent("stranger.key").path
        try Data(SigningIdentity().fileContents.utf8).write(to: URL(fileURLWithPath: strangerKey))
        let stranger = try await CLI.run(
            ["approve", "t/split", splitDigest, "--key", strangerKey, "--approver", "approver-1", "--token", token,
             "--server", "https://tuf.example.test/split"] + c)
        #expect(stranger.status == 1 && stranger.stderr.contains("approval does not verify"), "\(stranger.stderr)")
        #expect(try await CLI.run(approve.map { $0 == splitDigest ? "not-a-digest" : $0 } + ["--server", "https://x.test"] + c).status == 64)
        #expect(try await CLI.run(["alerts", "test", "--token", token] + c).status == 0)

        let policyPath = work.appendingPathComponent("exported-policy.json").path
        func exportedAgents() async throws -> [String] {
            #expect(try await CLI.run(["policy", "export", "--out", policyPath] + c).status == 0)
            let policy = try Canonical.decode(TrustPolicy.self, from: Array(try Data(contentsOf: URL(fileURLWithPath: policyPath))))
            #expect(policy.quorum == 2 && policy.problem == nil)
            return policy.agents.map(\.id).sorted()
        }
        #expect(try await exportedAgents() == ["a1", "a2", "a3"])

        // Agents: removal takes one out of the list, the exported policy and consensus, as an event naming who.
        let a3Key = try #require((json(agentsList) as? [[String: Any]])?.first { $0["id"] as? String == "a3" }?["public_key"] as? String)
        #expect(try await CLI.run(["agents", "remove", "a3"] + c).status == 1, "removing needs a token")
        #expect(try await CLI.run(["agents", "remove", "nobody", "--token", Self.aliceToken] + c).status == 1)
        #expect(try await CLI.run(["agents", "remove", "a3", "--token", Self.aliceToken] + c).status == 0)
        #expect((json(try await CLI.run(["agents", "--format", "json"] + c)) as? [[String: Any]])?.count == 2)
        #expect(try await exportedAgents() == ["a1", "a2"])
        let supporters = try await CLI.run(["query", "t/agreed", "--format", "json"] + c)
        #expect(supporters.stdout.contains("\"a1\"") && !supporters.stdout.contains("\"a3\""), "a3 no longer counts: \(supporters.stdout)")
        let removal = try await CLI.run(["events", "--format", "json"] + c)
        #expect(removal.stdout.contains("agent_removed") && removal.stdout.contains("removed by ops-alice"), "\(removal.stdout)")
        // Every admin action names its token: the targets added and removed above, the approval.
        #expect(removal.stdout.contains("target t/new added by admin") && removal.stdout.contains("target t/new removed by admin"), "\(removal.stdout)")
        #expect(removal.stdout.contains("submitted by admin"), "\(removal.stdout)")
        // …and `history` shows who acted on the target.
        let splitHistory = try await CLI.run(["history", "t/split", "--format", "json"] + c)
        #expect(splitHistory.stdout.contains("\"actions\"") && splitHistory.stdout.contains("submitted by admin"), "\(splitHistory.stdout)")
        // Enrolled again (the key of `vantage-agent keygen`), it is back everywhere.
        let added = try await CLI.run(["agents", "add", "a3", "--region", "ap", "--key", a3Key, "--token", Self.aliceToken] + c)
        #expect(added.status == 0, "\(added.stderr)")
        let enrolment = try await CLI.run(["events", "--format", "json"] + c)
        #expect(enrolment.stdout.contains("agent_added") && enrolment.stdout.contains("agent a3 enrolled in region ap by ops-alice"), "\(enrolment.stdout)")
        #expect(try await exportedAgents() == ["a1", "a2", "a3"])
        #expect(try await CLI.run(["agents", "add", "a4", "--region", "ap", "--key", "not-a-key", "--token", token] + c).status == 64)

        #expect(try await CLI.run(["--help"]).status == 0)
        #expect(try await CLI.run(["query"] + c).status == 64)
        #expect(try await CLI.run(["query", "t/agreed", "--coordinator", "http://127.0.0.1:1"]).status == 1)
    }
}
