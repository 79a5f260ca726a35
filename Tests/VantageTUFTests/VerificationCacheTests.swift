import Crypto
import Testing
import VantageTestSupport
import VantageTUF

/// Roots are verified once per process per (algorithm, key, signature, signed bytes) through a bounded cache (issue
/// 23). Counted, not timed: each test binds its own ``VerificationCache`` and reads its counters.
@Suite("VerificationCache: each signature verified once, bounded, never answered for another input")
struct VerificationCacheTests {
    /// `body` run with its own cache of `capacity`, and that cache's counters afterwards.
    static func counting<T>(capacity: Int = 1_000, _ body: () throws -> T) rethrows -> (T, VerificationCache.Statistics) {
        let cache = VerificationCache(capacity: capacity)
        let result = try VerificationCache.$current.withValue(cache) { try body() }
        return (result, cache.statistics)
    }

    @Test("a rotation classified twice verifies each signature once; without memory it verifies them all again")
    func rotationClassifiedTwice() throws {
        let chain = try RootChain(count: 2)
        let (old, new) = (try chain.root(1), try chain.root(2))
        let cache = VerificationCache()
        let first = VerificationCache.$current.withValue(cache) { RootChangeClassifier.classify(from: old, to: new) }
        let once = cache.statistics
        #expect(first.kind == .rotated)
        #expect(once.verifications > 0 && once.entries == once.verifications, "\(once)")
        let second = VerificationCache.$current.withValue(cache) { RootChangeClassifier.classify(from: old, to: new) }
        #expect(second == first)
        #expect(cache.statistics.verifications == once.verifications, "the second classification verified again: \(cache.statistics)")
        #expect(cache.statistics.hits > once.hits)

        // Control: a cache that remembers nothing verifies every signature at every classification.
        let (_, cold) = Self.counting(capacity: 0) {
            _ = RootChangeClassifier.classify(from: old, to: new)
            _ = RootChangeClassifier.classify(from: old, to: new)
        }
        #expect(cold.verifications == 2 * (once.verifications + once.hits) && cold.hits == 0, "\(cold)")
    }

    @Test("the same signed bytes with another signature are verified, not answered from the genuine entry")
    func otherSignatureSameBytes() throws {
        let fixture = try RootFixture(keys: 3)
        let genuine = try fixture.root(threshold: 2)
        let cache = VerificationCache()
        try VerificationCache.$current.withValue(cache) {
            #expect(RootVerifier.selfCheck(genuine).isMet)
            let before = cache.statistics
            // keys[0]'s entry replaced by its signature over other bytes: same key id, same signed bytes.
            let forged = try fixture.assemble(genuine.signed, signatures: [
                try fixture.keys[0].signatureEntry(over: Array("other bytes".utf8), dialect: .tuf),
                try fixture.signatureEntry(fixture.keys[1], over: genuine.signed),
            ])
            let check = RootVerifier.selfCheck(forged)
            #expect(!check.isMet && check.checks.map(\.outcome) == [.invalid, .valid], "\(check.checks)")
            #expect(cache.statistics.verifications == before.verifications + 1, "the forged signature was not verified")
            // Positive control: the genuine document is answered from the cache, and still valid.
            let control = cache.statistics
            #expect(RootVerifier.selfCheck(genuine).isMet)
            #expect(cache.statistics.verifications == control.verifications && cache.statistics.hits == control.hits + 2)
        }
    }

    @Test("the same signature under another key, or over other bytes, is verified, not answered from the genuine entry")
    func sameSignatureOtherKeyOrBytes() throws {
        let fixture = try RootFixture(keys: 3)
        let genuine = try fixture.root(threshold: 2)
        let id = { (n: Int) in fixture.keys[n].keyEntry(.tuf).id }
        let cache = VerificationCache()
        try VerificationCache.$current.withValue(cache) {
            #expect(RootVerifier.selfCheck(genuine).isMet)
            var before = cache.statistics
            // keys[0]'s key id bound to keys[2]'s material: its genuine signature must not count.
            var swapped = genuine.keys
            swapped[id(0)] = genuine.keys[id(2)]
            let underOther = RootVerifier.count(genuine, role: genuine.rootRole, keys: swapped, dialect: .tuf)
            #expect(underOther.checks.map(\.outcome) == [.invalid, .valid], "\(underOther.checks)")
            #expect(cache.statistics.verifications == before.verifications + 1)

            // The genuine signatures copied onto other signed bytes (the version changed).
            guard case .object(var members) = genuine.signed else { Issue.record("signed is not an object"); return }
            members["version"] = .integer(2)
            let moved = try fixture.assemble(.object(members), signatures: [
                try fixture.signatureEntry(fixture.keys[0], over: genuine.signed),
                try fixture.signatureEntry(fixture.keys[1], over: genuine.signed),
            ])
            before = cache.statistics
            let check = RootVerifier.selfCheck(moved)
            #expect(check.count == 0 && check.checks.map(\.outcome) == [.invalid, .invalid], "\(check.checks)")
            #expect(cache.statistics.verifications == before.verifications + 2)

            // Positive control: the genuine pairs hit.
            before = cache.statistics
            #expect(RootVerifier.count(genuine, role: genuine.rootRole, keys: genuine.keys, dialect: .tuf).isMet)
            #expect(cache.statistics.hits == before.hits + 2 && cache.statistics.verifications == before.verifications)
        }
    }

    @Test("every field of an entry's key separates it: algorithm, key, signature, bytes, and where one ends")
    func keysSeparate() {
        let message = SHA256.hash(data: Array("signed".utf8))
        let base = VerificationCache.Key(algorithm: "ed25519", key: [1, 2], signature: [3], message: message)
        #expect(base == VerificationCache.Key(algorithm: "ed25519", key: [1, 2], signature: [3], message: message))
        let others = [
            VerificationCache.Key(algorithm: "ecdsa-p256-der", key: [1, 2], signature: [3], message: message),
            VerificationCache.Key(algorithm: "ed25519", key: [1, 9], signature: [3], message: message),
            VerificationCache.Key(algorithm: "ed25519", key: [1, 2], signature: [4], message: message),
            VerificationCache.Key(algorithm: "ed25519", key: [1, 2], signature: [3], message: SHA256.hash(data: Array("other".utf8))),
            // The same bytes split differently between key and signature.
            VerificationCache.Key(algorithm: "ed25519", key: [1], signature: [2, 3], message: message),
        ]
        #expect(Set(others + [base]).count == others.count + 1)
    }

    @Test("at capacity the cache evicts and stays bounded; answers stay right, evicted entries are verified again")
    func boundedAndCorrect() throws {
        let message = SHA256.hash(data: Array("signed".utf8))
        let keys = (0..<5).map { VerificationCache.Key(algorithm: "test", key: [UInt8($0)], signature: [], message: message) }
        let answer = { (n: Int) in n % 2 == 0 }
        let cache = VerificationCache(capacity: 2)
        var calls = 0
        func ask(_ n: Int) -> Bool {
            cache.verify(keys[n]) {
                calls += 1
                return answer(n)
            }
        }
        for n in 0..<5 { #expect(ask(n) == answer(n)) }
        #expect(cache.statistics.entries == 2 && cache.statistics.evictions == 3 && calls == 5, "\(cache.statistics)")
        // The two last held: answered without verifying; an evicted one is verified again, with the right answer.
        #expect(ask(4) == answer(4) && ask(3) == answer(3) && calls == 5)
        #expect(ask(0) == answer(0) && calls == 6)
        #expect(cache.statistics.entries == 2)
        // A looked-up entry gets a second chance: 4 is older than 0 but was looked up since, so 1 replaces 0.
        #expect(ask(4) == answer(4) && calls == 6)
        #expect(ask(1) == answer(1) && calls == 7)
        #expect(ask(4) == answer(4) && calls == 7, "\(cache.statistics)")
        #expect(ask(0) == answer(0) && calls == 8)

        // Real roots through a cache of one entry: still the results of a cache that remembers nothing.
        let chain = try RootChain(count: 3)
        let roots = try (1...3).map(chain.root)
        let (tiny, stats) = Self.counting(capacity: 1) { roots.map { RootChangeClassifier.classify(from: roots[0], to: $0) } }
        let (cold, _) = Self.counting(capacity: 0) { roots.map { RootChangeClassifier.classify(from: roots[0], to: $0) } }
        #expect(tiny == cold)
        #expect(tiny.map(\.kind) == [.same, .rotated, .replaced])
        #expect(stats.entries == 1 && stats.evictions > 0, "\(stats)")

        // A limit lowered at start drops what no longer fits.
        cache.limit(to: 1)
        #expect(cache.statistics.entries == 1 && cache.statistics.capacity == 1)
    }

    @Test("callers on many tasks at once get the right answers and the cache stays within its limit")
    func concurrentCallers() async {
        let message = SHA256.hash(data: Array("signed".utf8))
        let keys = (0..<16).map { VerificationCache.Key(algorithm: "test", key: [UInt8($0)], signature: [], message: message) }
        let cache = VerificationCache(capacity: 8)
        let right = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<400 {
                group.addTask { cache.verify(keys[n % 16]) { n % 2 == 0 } == (n % 2 == 0) }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(right)
        let statistics = cache.statistics
        #expect(statistics.entries <= 8 && statistics.hits + statistics.verifications == 400, "\(statistics)")
    }
}
