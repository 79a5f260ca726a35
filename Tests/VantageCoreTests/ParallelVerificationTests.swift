import Synchronization
import Testing
@testable import VantageCore
import VantageTUF

/// A whole list checked on several threads answers exactly as one thread does: the first failing pin in list order,
/// whatever the thread count and wherever the forged pins are; and a run checks each attestation signature once.
@Suite("Whole-list verification on several threads")
struct ParallelVerificationTests {
    @Test("first failure in index order, for any thread count", arguments: [1, 2, 3, 8, 64])
    func firstFailureInOrder(_ threads: Int) {
        let count = 1_000
        let patterns: [Set<Int>] = [[], [0], [999], [500], [3, 997], [100, 101, 900], Set(0..<count), Set(stride(from: 7, to: count, by: 50))]
        for failing in patterns {
            let found = ParallelChecks.firstFailure(count: count, threads: threads) { failing.contains($0) ? $0 : nil }
            #expect(found == failing.min(), "threads \(threads), failing \(failing.sorted().prefix(5))")
        }
        // Every index is checked when nothing fails (no chunk lost to rounding).
        let seen = Mutex<Set<Int>>([])
        _ = ParallelChecks.firstFailure(count: 997, threads: threads) { index -> Int? in
            seen.withLock { _ = $0.insert(index) }
            return nil
        }
        #expect(seen.withLock { $0 } == Set(0..<997))
    }

    /// 300 pins by a1 and a2; the pins at `forged` have a2's signature replaced by a1's (quorum 2 then fails).
    static func list(forged: [Int]) throws -> PinList {
        let root = RootSet.shared.root(.v1)
        var pins = try (0..<300).map { i in
            try PinFixtures.attestedPin("t/\(String(1_000 + i).dropFirst())", root: root, by: ["a1", "a2"], observedAt: PinListWorld.observedAt)
        }
        for index in forged { pins[index].attestations[1].signature = pins[index].attestations[0].signature }
        return try PinListWorld.build(pins, version: 1, previous: "")
    }

    @Test("the same refusal on 1 and 4 threads, with its control", arguments: [[Int](), [0], [299], [150, 20, 280]])
    func sameAnswer(_ forged: [Int]) throws {
        let list = try Self.list(forged: forged)
        let policy = Fleet.shared.trustPolicy()
        let answers = [1, 4].map { PinListVerifier(policy: policy, threads: $0).verifyPins(of: list, now: Clock.now) }
        #expect(answers[0] == answers[1])
        if let first = forged.min() {
            #expect(answers[0]?.rule == PinListVerifier.Rule.quorum)
            #expect(answers[0]?.target == list.pins[first].target)
        } else {
            #expect(answers[0] == nil, "control: the unforged list verifies")
        }
    }

    @Test("a run checks each attestation signature once: the same list verified again costs no verification")
    func signaturesOncePerRun() throws {
        let list = try Self.list(forged: [])
        let cache = VerificationCache()
        let verifier = PinListVerifier(policy: Fleet.shared.trustPolicy(), threads: 2, signatures: cache)
        #expect(verifier.verifyPins(of: list, now: Clock.now) == nil)
        let first = cache.statistics
        #expect(first.verifications == 600)
        #expect(verifier.verifyPins(of: list, now: Clock.now) == nil)
        #expect(cache.statistics.verifications == 600)
        #expect(cache.statistics.hits == first.hits + 600)
        // A forged signature is not remembered as valid: the forged list is still refused after the genuine one.
        #expect(verifier.verifyPins(of: try Self.list(forged: [5]), now: Clock.now)?.rule == PinListVerifier.Rule.quorum)
    }
}
