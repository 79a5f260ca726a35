import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// A TUF mirror over HTTPS serving roots built with fresh keys.
@Suite("TUF mirror", .timeLimit(.minutes(2)))
struct TUFMirrorTests {
    func probe(_ f: HTTPFixture, trusted: Root?, store: TrustedRootStore) async -> ProbeResult {
        await TargetProber(http: f.getter, limits: f.limits).probe(
            TargetSpec(id: "mirror", kind: .tuf, url: f.server.url("/files/repo")), trusted: trusted, now: { Date() }
        ) { root in try await store.storeDurably(root, for: "mirror", at: Date()) }
    }

    func store(_ f: HTTPFixture) throws -> TrustedRootStore {
        TrustedRootStore(database: try AgentDatabase.open(directory: f.scratch.file("spool")))
    }

    @Test func rotationsAreWalked() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 4)
            try chain.write(to: f.scratch.file("www/repo"))
            let store = try store(f)
            let result = await probe(f, trusted: try chain.root(1), store: store)
            #expect(result.error == nil)
            #expect(result.fingerprint?.version == 4)
            #expect(result.chainSteps == 3)
            #expect(result.rootBytes == chain.documents[3])
            #expect(try store.root(for: "mirror")?.version == 4)
        }
    }

    @Test func brokenStepIsRejectedAndLastGoodRootKept() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 3)
            try chain.write(to: f.scratch.file("www/repo"))
            try f.publish(try chain.unchainedDocument(version: 4), at: "repo/4.root.json")
            let store = try store(f)
            let result = await probe(f, trusted: try chain.root(1), store: store)
            // The offered v4 is reported (flagged) so the coordinator sees it; the agent keeps trusting v3.
            #expect(result.error == nil)
            #expect(result.fingerprint?.version == 4)
            #expect(result.chainRejection?.contains("v3 → v4") == true)
            #expect(result.chainSteps == 2)
            #expect(try store.root(for: "mirror")?.version == 3)
            #expect(try store.root(for: "mirror")?.bytes == chain.documents[2])
        }
    }

    @Test func rollbackIsRejected() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 3)
            try chain.write(to: f.scratch.file("www/repo"))
            try f.publish(chain.documents[0], at: "repo/4.root.json")  // 4.root.json serves v1
            let result = await probe(f, trusted: try chain.root(3), store: try store(f))
            #expect(result.fingerprint?.version == 1)
            #expect(result.chainRejection != nil)
        }
    }
}
