import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// The built `vantage-agent` binary as a child process, against a TUF mirror and a fake coordinator.
@Suite("Agent process and spool", .serialized, .timeLimit(.minutes(3)))
struct AgentProcessTests {
    static let targetCount = 12

    /// A scratch folder with a key, a TUF mirror (HTTPS) with `targetCount` repositories, and a config writer.
    final class World: @unchecked Sendable {
        let fixture: HTTPFixture
        let identity: SigningIdentity
        var children: [ChildProcess] = []

        init() async throws {
            fixture = try await HTTPFixture()
            identity = try AgentKeyFile.create(at: fixture.scratch.file("agent.key"))
            for n in 0..<AgentProcessTests.targetCount {
                try RootChain(count: 2).write(to: fixture.scratch.file("www/repo\(n)"))
            }
        }

        func config(coordinator: String, targetCount: Int = AgentProcessTests.targetCount) throws -> String {
            var targets: [String] = []
            for n in 0..<targetCount {
                targets.append(#""repo\#(n)": {"kind": "tuf", "url": "\#(fixture.server.url("/files/repo\(n)"))"}"#)
            }
            let text = """
                {
                  "agent": {"id": "test-agent", "region": "test-region", "key": "agent.key"},
                  "coordinators": ["\(coordinator)"],
                  "spool": {"dir": "spool", "batch_size": 5},
                  "poll": {"interval_seconds": 3600, "jitter_seconds": 0, "concurrency": 4},
                  "http": {"ca_bundle": "\(fixture.certificates.caFile)", "request_timeout_seconds": 5, "total_timeout_seconds": 10},
                  "network": {"allow_private_addresses": true},
                  "targets_from_coordinator": \(targetCount == 0),
                  "targets": {\(targets.joined(separator: ","))}
                }
                """
            let path = fixture.scratch.file("agent.json")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        func agent(_ arguments: [String]) throws -> ChildProcess {
            let executable = PackagePaths.executable("vantage-agent")
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw TestFailure("\(executable) missing: run `swift build --build-tests` first")
            }
            let child = try ChildProcess(executable, arguments, stderrPath: fixture.scratch.file("agent-\(children.count).log"))
            children.append(child)
            return child
        }

        func close() async {
            for child in children { child.stop() }
            await fixture.close()
        }
    }

    /// Runs `body` with a fresh ``World`` and a fake coordinator that enrolled its key; stops both after (when `body`
    /// throws too).
    static func withWorld(_ body: (World, FakeCoordinator) async throws -> Void) async throws {
        let world = try await World()
        let coordinator: FakeCoordinator
        do { coordinator = try await FakeCoordinator.start(agentKey: world.identity.publicKey) } catch {
            await world.close()
            throw error
        }
        do { try await body(world, coordinator) } catch {
            await coordinator.stop()
            await world.close()
            throw error
        }
        await coordinator.stop()
        await world.close()
    }

    @Test func coordinatorAbsentThenPresent() async throws {
        let world = try await World()
        var coordinator: FakeCoordinator?
        do {
            let port = try freePort()
            let config = try world.config(coordinator: "http://127.0.0.1:\(port)")
            let absent = await (try world.agent(["run", "--config", config, "--once"])).wait()
            #expect(absent == 1, "delivery to an absent coordinator must fail")

            let present = try await FakeCoordinator.start(agentKey: world.identity.publicKey, port: port)
            coordinator = present
            let delivered = await (try world.agent(["run", "--config", config, "--once"])).wait()
            #expect(delivered == 0)
            let ledger = present.ledger
            #expect(await ledger.sequences == (1...Int64(2 * Self.targetCount)).map { $0 })
            #expect(await ledger.badSignatures == 0)
            #expect(await ledger.badRootBytes == 0)
            let stored = await ledger.stored.values
            #expect(stored.allSatisfy { $0.observation.error == nil && $0.observation.fingerprint?.version == 2 })
            #expect(stored.filter { $0.rootBytes != nil }.count >= Self.targetCount, "root bytes travel with new digests")
        } catch {
            await coordinator?.stop()
            await world.close()
            throw error
        }
        await coordinator?.stop()
        await world.close()
    }

    @Test func sigkillMidBatchLosesAndDoublesNothing() async throws {
        try await Self.withWorld { world, coordinator in
            let config = try world.config(coordinator: coordinator.url)
            await coordinator.ledger.setHold(.seconds(10))
            let victim = try world.agent(["run", "--config", config])
            try await waitUntil("the agent delivers its first batch", seconds: 60, every: .milliseconds(50)) {
                await coordinator.ledger.firstBatchStored
            }
            victim.signal(SIGKILL)
            _ = await victim.wait()
            await coordinator.ledger.setHold(nil)
            let storedBeforeRestart = await coordinator.ledger.stored.count
            #expect(storedBeforeRestart == 5, "one batch of 5 stored, its receipt never reached the agent")

            let restart = await (try world.agent(["run", "--config", config, "--once"])).wait()
            #expect(restart == 0)
            let ledger = coordinator.ledger
            #expect(await ledger.sequences == (1...Int64(2 * Self.targetCount)).map { $0 }, "nothing lost, nothing doubled")
            #expect(await ledger.duplicates == 5, "the unacknowledged batch was resent with the same ids")
            #expect(await ledger.badSignatures == 0)
        }
    }

    @Test func sigtermFlushesAndExits() async throws {
        try await Self.withWorld { world, coordinator in
            let config = try world.config(coordinator: coordinator.url)
            let daemon = try world.agent(["run", "--config", config])
            try await waitUntil("the daemon delivers every target", seconds: 60, every: .milliseconds(50)) {
                await coordinator.ledger.stored.count >= Self.targetCount
            }
            daemon.signal(SIGTERM)
            let status = await daemon.wait()
            #expect(status == 0)
            #expect(await coordinator.ledger.sequences == (1...Int64(Self.targetCount)).map { $0 })
        }
    }

    @Test("run --once prints its summary and exits 0 ok, 1 no coordinator answered, 2 nothing accepted, 3 no targets")
    func onceSummaryAndExitCodes() async throws {
        let world = try await World()
        // A coordinator that enrolled another key for this agent id rejects every observation.
        let stranger = try await FakeCoordinator.start(agentKey: SigningIdentity().publicKey)
        let genuine = try await FakeCoordinator.start(agentKey: world.identity.publicKey)
        func once(_ config: String) async throws -> CommandResult {
            try await runCommand(PackagePaths.executable("vantage-agent"), ["run", "--config", config, "--once"])
        }
        do {
            let port = try freePort()
            let absent = try await once(try world.config(coordinator: "http://127.0.0.1:\(port)"))
            #expect(absent.status == 1, "\(absent.output)")
            #expect(absent.output.contains("targets: \(Self.targetCount) probed, \(Self.targetCount) observed"), "\(absent.output)")
            #expect(absent.output.contains("delivery failed"), "\(absent.output)")
            let rejected = try await once(try world.config(coordinator: stranger.url))
            #expect(rejected.status == 2, "\(rejected.output)")
            #expect(rejected.output.contains("0 accepted, rejected: bad signature \(Self.targetCount)"), "\(rejected.output)")
            // targets_from_coordinator: a coordinator with no targets, and one that does not answer.
            let none = try await once(try world.config(coordinator: genuine.url, targetCount: 0))
            #expect(none.status == 3, "\(none.output)")
            #expect(none.output.contains("no targets"), "\(none.output)")
            let unreachable = try await once(try world.config(coordinator: "http://127.0.0.1:\(port)", targetCount: 0))
            #expect(unreachable.status == 1, "\(unreachable.output)")
            #expect(unreachable.output.contains("targets from the coordinator: not fetched"), "\(unreachable.output)")
            // Positive control: the same agent, enrolled with its own key.
            let ok = try await once(try world.config(coordinator: genuine.url))
            #expect(ok.status == 0, "\(ok.output)")
            #expect(ok.output.contains("\(Self.targetCount) accepted; spool drained") && ok.output.contains("result: ok"), "\(ok.output)")
        } catch {
            await stranger.stop()
            await genuine.stop()
            await world.close()
            throw error
        }
        await stranger.stop()
        await genuine.stop()
        await world.close()
    }

    @Test("an unknown configuration key stops either daemon with exit 78, the key's path and what it meant")
    func unknownKeysStopBothDaemons() async throws {
        let world = try await World()
        defer { Task { await world.close() } }
        let agentConfig = try world.config(coordinator: "http://127.0.0.1:9")
        let text = try String(contentsOfFile: agentConfig, encoding: .utf8).replacingOccurrences(of: #""interval_seconds""#, with: #""intervall_seconds""#)
        try Data(text.utf8).write(to: URL(fileURLWithPath: agentConfig))
        let agent = try await runCommand(PackagePaths.executable("vantage-agent"), ["run", "--config", agentConfig, "--once"])
        #expect(agent.status == 78)
        #expect(agent.output.contains("unknown key poll.intervall_seconds (did you mean poll.interval_seconds?)"), "\(agent.output)")
        let coordinatorConfig = world.fixture.scratch.file("coordinator.json")
        try Data(#"{"listen": {"prot": 8080}, "state_dir": "\#(world.fixture.scratch.file("state"))"}"#.utf8).write(to: URL(fileURLWithPath: coordinatorConfig))
        let coordinator = try await runCommand(PackagePaths.executable("vantage-coordinator"), ["serve", "--config", coordinatorConfig])
        #expect(coordinator.status == 78)
        #expect(coordinator.output.contains("unknown key listen.prot (did you mean listen.port?)"), "\(coordinator.output)")
    }

    @Test func invalidConfigurationExitsNonZeroNamingTheKey() async throws {
        let world = try await World()
        let result: CommandResult
        do {
            result = try await runCommand(PackagePaths.executable("vantage-agent"), ["run", "--config", try world.config(coordinator: "not a url"), "--once"])
        } catch {
            await world.close()
            throw error
        }
        await world.close()
        #expect(result.status == 78)
        #expect(result.output.contains("coordinators"))
    }

    @Test func keygenWritesA0600KeyAndRefusesToOverwrite() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.file("k.key")
        let first = try await runCommand(PackagePaths.executable("vantage-agent"), ["keygen", "--out", path])
        #expect(first.status == 0)
        let identity = try AgentKeyFile.load(from: path)
        #expect(first.output.contains("public_key: \(identity.publicKey.base64)"))
        #expect(first.output.contains("key_id: \(identity.publicKey.keyID)"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try await runCommand(PackagePaths.executable("vantage-agent"), ["keygen", "--out", path])
        #expect(again.status == 1)
        #expect(try AgentKeyFile.load(from: path).publicKey == identity.publicKey)
    }

    @Test("both daemons: --version, and keygen output of one shape ending in the entry to paste")
    func daemonsVersionAndKeygenShape() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        for daemon in ["vantage-agent", "vantage-coordinator"] {
            let version = try await runCommand(PackagePaths.executable(daemon), ["--version"])
            #expect(version.status == 0 && version.output.trimmingCharacters(in: .whitespacesAndNewlines) == VantageRelease.version, "\(daemon)")
        }
        let agent = try await runCommand(PackagePaths.executable("vantage-agent"), ["keygen", "--out", scratch.file("a.key"), "--id", "fra-1", "--region", "eu"])
        let coordinator = try await runCommand(PackagePaths.executable("vantage-coordinator"), ["keygen", "--out", scratch.file("c.key")])
        let agentKey = try AgentKeyFile.load(from: scratch.file("a.key")).publicKey
        let coordinatorKey = try SigningIdentity(fileContents: String(contentsOfFile: scratch.file("c.key"), encoding: .utf8)).publicKey
        for (output, key) in [(agent.output, agentKey), (coordinator.output, coordinatorKey)] {
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.map { $0.split(separator: ":").first.map(String.init) ?? "" } == ["key_id", "public_key", "enrolment"], "\(output)")
            #expect(lines.first == "key_id: \(key.keyID)" && lines.dropFirst().first == "public_key: \(key.base64)")
        }
        #expect(agent.output.contains(#"enrolment: coordinator configuration "agents": "fra-1 eu \#(agentKey.base64)""#), "\(agent.output)")
        #expect(coordinator.output.contains(#"{"id":"\#(coordinatorKey.keyID)","public_key":"\#(coordinatorKey.base64)"}"#), "\(coordinator.output)")
    }
}
