import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// The walk decisions, against an in-memory repository.
@Suite("Root walk")
struct RootWalkTests {
    func run(_ kind: TargetSpec.Kind, trusted: Root?, _ source: InMemoryRootSource, maxSteps: Int = 256, at now: Date = Date())
        async -> (RootUpdate, [Int])
    {
        let persisted = PersistLog()
        let update = await RootUpdater.run(kind: kind, trusted: trusted, source: source, maxSteps: maxSteps, at: now) { root in
            await persisted.add(root.version)
        }
        return (update, await persisted.versions)
    }

    actor PersistLog {
        var versions: [Int] = []
        func add(_ v: Int) { versions.append(v) }
    }

    func versions(_ chain: RootChain, _ range: ClosedRange<Int>) -> [Int: [UInt8]] {
        Dictionary(uniqueKeysWithValues: range.map { ($0, chain.documents[$0 - 1]) })
    }

    @Test func tufWalksEveryRotationUntil404() async throws {
        let chain = try RootChain(count: 5)
        let (update, persisted) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: versions(chain, 1...5)))
        #expect(update.error == nil)
        #expect(update.final?.version == 5)
        #expect(update.steps.count == 4)
        #expect(persisted == [2, 3, 4, 5])
    }

    @Test func tufStopsOn403() async throws {
        let chain = try RootChain(count: 2)
        var source = InMemoryRootSource(versions: versions(chain, 1...2))
        source.absentStatus = 403
        let (update, _) = await run(.tuf, trusted: try chain.root(1), source)
        #expect(update.final?.version == 2)
    }

    @Test func tufWithoutTrustedRootStartsAtVersion1() async throws {
        let chain = try RootChain(count: 3)
        let (update, persisted) = await run(.tuf, trusted: nil, InMemoryRootSource(versions: versions(chain, 1...3)))
        #expect(update.final?.version == 3)
        #expect(persisted == [1, 2, 3])
    }

    @Test func tufBrokenStepKeepsLastGoodRoot() async throws {
        let chain = try RootChain(count: 3)
        var repo = versions(chain, 1...3)
        repo[4] = try chain.unchainedDocument(version: 4)
        let (update, persisted) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: repo))
        #expect(update.error?.kind == .chainRejected)
        #expect(update.final == nil)
        #expect(update.trusted?.version == 3)
        #expect(persisted == [2, 3])
    }

    @Test func tufRollbackIsRejected() async throws {
        let chain = try RootChain(count: 3)
        var repo = versions(chain, 1...3)
        repo[4] = chain.documents[1]  // 4.root.json serves version 2
        let (update, _) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: repo))
        #expect(update.error?.kind == .chainRejected)
        #expect(update.trusted?.version == 3)
    }

    @Test func tufMalformedDocument() async throws {
        let chain = try RootChain(count: 1)
        let (update, _) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: [2: Array("{}".utf8)]))
        #expect(update.error?.kind == .malformed)
        #expect(update.trusted?.version == 1)
    }

    @Test func tufMaxStepsPerPoll() async throws {
        let chain = try RootChain(count: 6)
        let (update, _) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: versions(chain, 1...6)), maxSteps: 3)
        #expect(update.final?.version == 4)
        #expect(update.error == nil)
    }

    @Test func tufExpiredFinalRoot() async throws {
        let chain = try RootChain(count: 2, expires: Date().addingTimeInterval(60))
        let (update, _) = await run(.tuf, trusted: try chain.root(1), InMemoryRootSource(versions: versions(chain, 1...2)),
            at: Date().addingTimeInterval(3600))
        #expect(update.error?.kind == .expired)
        #expect(update.final?.version == 2)
    }

    @Test func tufUnsignedFirstRoot() async throws {
        let chain = try RootChain(count: 1)
        var document = try Root.parse(chain.documents[0]).signed
        document = .object(document.objectValue!.merging(["version": .integer(1)]) { $1 })
        let unsigned = try RootDocumentBuilder.assemble(signed: document, signers: [], dialect: .tuf)
        let (update, _) = await run(.tuf, trusted: nil, InMemoryRootSource(versions: [1: unsigned]))
        #expect(update.error?.kind == .badSignature)
    }

    @Test func notaryWalksVersionedRootsToCurrent() async throws {
        let chain = try RootChain(count: 4, dialect: .notary)
        let source = InMemoryRootSource(versions: versions(chain, 1...4), current: chain.documents[3])
        let (update, persisted) = await run(.notary, trusted: try chain.root(1), source)
        #expect(update.error == nil)
        #expect(update.final?.version == 4)
        #expect(persisted == [2, 3, 4])
        #expect(update.requests == 3)  // root.json, 2.root.json, 3.root.json; v4 is root.json itself
    }

    @Test func notaryUnchangedRoot() async throws {
        let chain = try RootChain(count: 2, dialect: .notary)
        let (update, persisted) = await run(.notary, trusted: try chain.root(2), InMemoryRootSource(versions: [:], current: chain.documents[1]))
        #expect(update.final?.version == 2)
        #expect(update.steps.isEmpty)
        #expect(persisted.isEmpty)
    }

    @Test func notaryRollbackAndReplacement() async throws {
        let chain = try RootChain(count: 3, dialect: .notary)
        let (rollback, _) = await run(.notary, trusted: try chain.root(3), InMemoryRootSource(versions: [:], current: chain.documents[1]))
        #expect(rollback.error?.kind == .chainRejected)
        let other = try RootChain(count: 3, dialect: .notary)
        let (replaced, _) = await run(.notary, trusted: try chain.root(3), InMemoryRootSource(versions: [:], current: other.documents[2]))
        #expect(replaced.error?.kind == .chainRejected)
        let (unchained, _) = await run(.notary, trusted: try chain.root(2),
            InMemoryRootSource(versions: [:], current: try chain.unchainedDocument(version: 3)))
        #expect(unchained.error?.kind == .chainRejected)
    }

    @Test func notaryMissingIntermediateVersion() async throws {
        let chain = try RootChain(count: 4, dialect: .notary)
        let source = InMemoryRootSource(versions: versions(chain, 1...2), current: chain.documents[3])
        let (update, persisted) = await run(.notary, trusted: try chain.root(1), source)
        #expect(update.error?.kind == .httpStatus)
        #expect(update.error?.status == 404)
        #expect(persisted == [2])
    }

    @Test func notaryFirstContactAndUnknownGUN() async throws {
        let chain = try RootChain(count: 2, dialect: .notary)
        let (first, persisted) = await run(.notary, trusted: nil, InMemoryRootSource(versions: [:], current: chain.documents[1]))
        #expect(first.final?.version == 2)
        #expect(persisted == [2])
        let (unknown, _) = await run(.notary, trusted: nil, InMemoryRootSource(versions: [:], current: nil))
        #expect(unknown.error?.kind == .httpStatus)
        #expect(unknown.error?.status == 404)
    }
}
