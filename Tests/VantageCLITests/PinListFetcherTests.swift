import Foundation
import Synchronization
import Testing
import VantageClient
import VantageCore
import VantageTUF

/// `PinListFetcher` verifies the newest header before it fetches anything else, then fetches the bridge of headers
/// one at a time and stops at the first that does not hold; what it asked the source for proves it.
@Suite("PinListFetcher: verify first, then the bridge one header at a time")
struct PinListFetcherTests {
    typealias World = PinsRefusalTests.World

    /// A source in memory that records every header version asked for (`nil`: the newest).
    final class MemorySource: PinDocumentSource, Sendable {
        let latest: PinList
        let headers: [Int64: SignedPinListHeader]
        let asked = Mutex<[Int64?]>([])

        init(latest: PinList, headers: [SignedPinListHeader]) {
            self.latest = latest
            self.headers = Dictionary(headers.map { ($0.signed.version, $0) }, uniquingKeysWith: { first, _ in first })
        }

        func header(version: Int64?) async throws -> SignedPinListHeader {
            asked.withLock { $0.append(version) }
            guard let version else { return latest.header }
            guard let header = headers[version] else { throw ClientError(.httpStatus, "no header v\(version)", status: 404) }
            return header
        }

        func pinProof(target: String, version: Int64?) async throws -> PinProof {
            guard let proof = try latest.proof(for: target) else { throw ClientError(.httpStatus, "no pin", status: 404) }
            return proof
        }

        func pinList(version: Int64) async throws -> PinList { latest }
        func blob(sha256: String) async throws -> [UInt8] { [] }
        var requests: [Int64?] { asked.withLock { $0 } }
    }

    func policy(_ w: World) -> TrustPolicy {
        TrustPolicy(coordinators: [.init(id: "c", publicKey: w.coordinator.publicKey)],
                    agents: w.agents.map { .init(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) },
                    quorum: 2, minRegions: 2, maxAgeSeconds: 3600)
    }

    func fetcher(_ w: World, accepted list: PinList) throws -> PinListFetcher {
        let state = ["c": PinListVerifier.Accepted(version: list.header.signed.version, digest: try list.header.digest, issuedAt: list.header.signed.issuedAt)]
        return PinListFetcher(policy: policy(w), accepted: state, now: w.now)
    }

    @Test("a forged newest header 10,001 versions ahead is refused after one read: no bridge header is fetched")
    func forgedHeaderFetchesNoBridge() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let lists = try w.chain(5)
        let forged = try w.list(version: 10_002, previous: String(repeating: "0", count: 64), signer: w.stranger)
        let hostile = MemorySource(latest: forged, headers: lists.map(\.header))
        let refused = try await fetcher(w, accepted: lists[0]).fetch(from: hostile, expectations: [.init(target: World.target)])
        #expect(refused.failure?.rule == "coordinator_signature", "\(refused)")
        #expect(hostile.requests == [nil], "only the newest header was read: \(hostile.requests)")

        // Positive control: the genuine v5 over the same state fetches the bridge v2…v4 and verifies.
        let genuine = MemorySource(latest: lists[4], headers: lists.map(\.header))
        let verified = try await fetcher(w, accepted: lists[0]).fetch(from: genuine, expectations: [.init(target: World.target)]).get()
        #expect(verified.intermediates.map(\.signed.version) == [2, 3, 4])
        #expect(verified.pins.map(\.target) == [World.target])
        #expect(genuine.requests == [nil, 2, 3, 4])
    }

    @Test("a bridge header that does not chain, or is signed by another key, stops the fetch at that header")
    func badLinkStopsTheBridge() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let lists = try w.chain(8)
        var headers = lists.map(\.header)
        // v4 re-made so it does not chain to v3.
        headers[3] = try w.list(version: 4, previous: String(repeating: "0", count: 64)).header
        let broken = MemorySource(latest: lists[7], headers: headers)
        let refused = try await fetcher(w, accepted: lists[0]).fetch(from: broken, expectations: nil)
        #expect(refused.failure?.rule == "chain" && refused.failure?.message.contains("v4") == true, "\(refused)")
        #expect(broken.requests == [nil, 2, 3, 4], "nothing after the bad link: \(broken.requests)")

        // v3 signed by a key the policy does not know, chained correctly.
        headers = lists.map(\.header)
        headers[2] = try w.list(version: 3, previous: try lists[1].header.digest, signer: w.stranger).header
        let foreign = MemorySource(latest: lists[7], headers: headers)
        let unsigned = try await fetcher(w, accepted: lists[0]).fetch(from: foreign, expectations: nil)
        #expect(unsigned.failure?.rule == "chain" && unsigned.failure?.message.contains("not signed") == true, "\(unsigned)")
        #expect(foreign.requests == [nil, 2, 3])

        // Positive control: the intact chain verifies as a whole list.
        let intact = MemorySource(latest: lists[7], headers: lists.map(\.header))
        let verified = try await fetcher(w, accepted: lists[0]).fetch(from: intact, expectations: nil).get()
        #expect(verified.intermediates.count == 6 && verified.header == lists[7].header)
    }

    @Test("a genuine header beyond the bridge cap is refused without fetching the bridge")
    func gapAboveTheCap() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let lists = try w.chain(4)
        var capped = try fetcher(w, accepted: lists[0])
        capped.maxGap = 1
        let source = MemorySource(latest: lists[3], headers: lists.map(\.header))
        let refused = try await capped.fetch(from: source, expectations: nil)
        #expect(refused.failure?.rule == "chain" && refused.failure?.message.contains("at most 1") == true, "\(refused)")
        #expect(source.requests == [nil])
        // Positive control: the default cap (10,000) bridges the two lists between.
        #expect(try await fetcher(w, accepted: lists[0]).fetch(from: source, expectations: nil).get().intermediates.count == 2)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
