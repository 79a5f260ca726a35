import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTUF

/// The client verifies the newest header's signature once per run, not again for every pin it verifies under it
/// (issue 23): counted through the ``VerificationCache`` the test binds, which header signatures go through.
@Suite("PinListFetcher verifies the header once")
struct HeaderVerifiedOnceTests {
    typealias World = PinsRefusalTests.World

    @Test("a fetch by proof and a fetch of the whole list each ask for the header's signature once")
    func headerOnce() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let list = try w.list([try w.attestation("a1"), try w.attestation("a2")])
        let source = PinListFetcherTests.MemorySource(latest: list, headers: [list.header])
        let fetcher = PinListFetcher(policy: PinListFetcherTests().policy(w), accepted: [:], now: w.now)
        for expectations in [[PinListVerifier.Expectation(target: World.target)], nil] {
            let cache = VerificationCache()
            let verified = try await VerificationCache.$current.withValue(cache) {
                try await fetcher.fetch(from: source, expectations: expectations)
            }
            #expect(try verified.get().pins.map(\.target) == [World.target])
            #expect(cache.statistics.verifications == 1 && cache.statistics.hits == 0, "\(cache.statistics)")
        }
    }
}
