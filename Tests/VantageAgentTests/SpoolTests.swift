import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

@Suite("Spool")
struct SpoolTests {
    let identity = SigningIdentity()

    func probe(_ id: String, root: Root? = nil) -> ProbeResult {
        let target = TargetSpec(id: id, kind: .tuf, url: "https://tuf.example.test")
        if let root {
            return ProbeResult(
                target: target, source: target.source!, observedAt: Timestamp(seconds: 1_800_000_000), latencyMilliseconds: 3, root: root,
                chainSteps: 0, continuity: .firstSight)
        }
        return ProbeResult(target: target, source: target.source!, observedAt: Timestamp(seconds: 1_800_000_000), latencyMilliseconds: 3,
            error: ObservationError(.connect, "refused"), chainSteps: nil)
    }

    func append(_ spool: ObservationSpool, _ probe: ProbeResult, coordinators: [String] = ["c1"]) async throws -> ObservationSpool.Appended {
        let identity = identity
        return try await spool.appendDurably(probe, coordinators: coordinators, identity: identity) { probe, sequence in
            probe.observation(agent: "a1", region: "r1", sequence: sequence)
        }
    }

    /// Concurrent probes share group commits: every observation is committed once, with its own sequence number,
    /// and one whose signing fails is rolled back alone without taking its group down.
    @Test func concurrentDurableAppendsShareCommitsAndIsolateFailures() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 1000)
        let identity = identity
        struct SigningFailed: Error {}
        let outcomes = await withTaskGroup(of: Int64?.self) { group in
            for n in 0..<64 {
                group.addTask {
                    try? await spool.appendDurably(probe("t\(n)"), coordinators: ["c1", "c2"], identity: identity) { probe, sequence in
                        if probe.target == "t13" { throw SigningFailed() }
                        return probe.observation(agent: "a1", region: "r1", sequence: sequence)
                    }.sequence
                }
            }
            return await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1, "only the failing probe failed")
        #expect(outcomes.compactMap { $0 }.sorted() == Array(1...63), "distinct sequence numbers, none consumed by the failure")
        let reopened = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 1000)
        #expect(try reopened.depth() == 63)
        #expect(try reopened.batch(for: "c2", limit: 100).count == 63)
        #expect(try await append(reopened, probe("after")).sequence == 64)
    }

    @Test func sequenceSurvivesReopen() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 100)
        #expect(try await append(spool, probe("t")).sequence == 1)
        #expect(try await append(spool, probe("t")).sequence == 2)
        spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 100)
        #expect(try await append(spool, probe("t")).sequence == 3)
        #expect(try spool.depth() == 3)
    }

    @Test func settledPerCoordinatorAndRootBytesUntilAcknowledged() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 100)
        let root = try RootChain(count: 1).root(1)
        _ = try await append(spool, probe("t", root: root), coordinators: ["c1", "c2"])
        _ = try await append(spool, probe("t", root: root), coordinators: ["c1", "c2"])
        let first = try spool.batch(for: "c1", limit: 10)
        #expect(first.count == 2)
        #expect(first.allSatisfy { $0.observation.rootBytes == ByteEncoding.base64Encode(root.bytes) })
        try spool.settle(coordinator: "c1", accepted: [first[0]], rejected: [])
        let again = try spool.batch(for: "c1", limit: 10)
        #expect(again.count == 1)
        #expect(again[0].observation.rootBytes == nil, "c1 acknowledged the digest")
        #expect(try spool.batch(for: "c2", limit: 10).allSatisfy { $0.observation.rootBytes != nil })
        try spool.settle(coordinator: "c1", accepted: [], rejected: again)
        #expect(try spool.batch(for: "c1", limit: 10).isEmpty)
        #expect(try spool.depth() == 2, "still owed to c2")
        try spool.settle(coordinator: "c2", accepted: try spool.batch(for: "c2", limit: 10), rejected: [])
        #expect(try spool.depth() == 0)
    }

    @Test func signaturesVerify() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 100)
        _ = try await append(spool, probe("t", root: try RootChain(count: 1).root(1)))
        let entry = try #require(try spool.batch(for: "c1", limit: 1).first)
        let signature = try #require(ByteEncoding.base64Decode(entry.observation.signature))
        #expect(identity.publicKey.isValidSignature(signature, for: try Canonical.bytes(of: entry.observation.observation)))
        #expect(try entry.observation.id == entry.id)
    }

    @Test func fullSpoolDropsOldestAndCounts() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 10)
        var dropped = 0
        for _ in 0..<15 { dropped += try await append(spool, probe("t")).dropped }
        #expect(dropped == 5)
        #expect(try spool.droppedTotal() == 5)
        #expect(try spool.depth() == 10)
        #expect(try spool.batch(for: "c1", limit: 100).map(\.observation.observation.sequence) == Array(6...15))
    }

    @Test func trustedRootsNeverGoBack() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let store = TrustedRootStore(database: try AgentDatabase.open(directory: scratch.path))
        let chain = try RootChain(count: 3)
        try await store.storeDurably(try chain.root(2), for: "t", at: Date())
        try await store.storeDurably(try chain.root(1), for: "t", at: Date())
        #expect(try store.root(for: "t")?.version == 2)
        try await store.storeDurably(try chain.root(3), for: "t", at: Date())
        #expect(try store.root(for: "t")?.version == 3)
        #expect(try store.root(for: "other") == nil)
    }
}
