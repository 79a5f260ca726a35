import Foundation
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

        func config(coordinator: String) throws -> String {
            var targets: [String] = []
            for n in 0..<AgentProcessTests.targetCount {
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

    static func freePort() async throws -> Int {
        let probe = try await FakeCoordinator.start(agentKey: SigningIdentity().publicKey)
        let port = probe.port
        await probe.stop()
        return port
    }

    @Test func coordinatorAbsentThenPresent() async throws {
        let world = try await World()
        var coordinator: FakeCoordinator?
        do {
            let port = try await Self.freePort()
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
        let world = try await World()
        let coordinator = try await FakeCoordinator.start(agentKey: world.identity.publicKey)
        do {
            let config = try world.config(coordinator: coordinator.url)
            await coordinator.ledger.setHold(.seconds(10))
            let victim = try world.agent(["run", "--config", config])
            let deadline = ContinuousClock.now + .seconds(60)
            while await !coordinator.ledger.firstBatchStored, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(await coordinator.ledger.firstBatchStored, "the agent never delivered")
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
        } catch {
            await coordinator.stop()
            await world.close()
            throw error
        }
        await coordinator.stop()
        await world.close()
    }

    @Test func sigtermFlushesAndExits() async throws {
        let world = try await World()
        let coordinator = try await FakeCoordinator.start(agentKey: world.identity.publicKey)
        do {
            let config = try world.config(coordinator: coordinator.url)
            let daemon = try world.agent(["run", "--config", config])
            let deadline = ContinuousClock.now + .seconds(60)
            while await coordinator.ledger.stored.count < Self.targetCount, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            daemon.signal(SIGTERM)
            let status = await daemon.wait()
            #expect(status == 0)
            #expect(await coordinator.ledger.sequences == (1...Int64(Self.targetCount)).map { $0 })
        } catch {
            await coordinator.stop()
            await world.close()
            throw error
        }
        await coordinator.stop()
        await world.close()
    }

    @Test func invalidConfigurationExitsNonZeroNamingTheKey() async throws {
        let world = try await World()
        let result: (status: Int32, output: String)
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
}
