import Crypto
import Synchronization

/// A bounded memo of signature verifications: whether `signature` by `key` under `algorithm` verifies over the bytes
/// whose SHA-256 is `message` is a pure function of those four, so a process verifies each combination once (issue 23:
/// a pending rotation's root was verified again every consensus round, an approval four times per process).
///
/// Holds no clock and does no I/O. A fixed number of entries, replaced in CLOCK order (an entry looked up since the
/// hand last passed it is kept once more), so memory stays bounded whatever an attacker submits; failed verifications
/// are remembered too. Thread-safe (one `Mutex`; signatures are verified outside it).
public final class VerificationCache: Sendable {
    /// Entries of ``shared`` until a daemon sets its own limit (coordinator: `consensus.verification_cache_entries`).
    public static let defaultCapacity = 100_000

    /// The process's cache.
    public static let shared = VerificationCache()

    /// The cache verifications go through: ``shared``, unless a scope binds its own (a benchmark that measures cold
    /// verification, a test that counts the verifications of the code it runs).
    @TaskLocal public static var current: VerificationCache = shared

    /// What one cache entry stands for: SHA-256 over the algorithm, the key material, the signature and the SHA-256 of
    /// the signed bytes, each length-prefixed, so no two different combinations share an entry.
    public struct Key: Sendable, Hashable {
        let digest: SHA256Digest

        /// - Parameters:
        ///   - algorithm: the verification algorithm and its parameters (the same key and signature may verify under
        ///     one and not another).
        ///   - key: the public key material itself (not a name for it).
        ///   - signature: the signature bytes.
        ///   - message: SHA-256 of the signed bytes.
        public init(algorithm: String, key: some Sequence<UInt8>, signature: [UInt8], message: SHA256Digest) {
            var hasher = SHA256()
            for field in [Array("vantage-verification-cache/v1".utf8), Array(algorithm.utf8), Array(key), signature, Array(message)] {
                withUnsafeBytes(of: UInt64(field.count).bigEndian) { hasher.update(bufferPointer: $0) }
                hasher.update(data: field)
            }
            digest = hasher.finalize()
        }
    }

    /// Counters since the cache was made.
    public struct Statistics: Sendable, Hashable {
        /// Answers given from an entry.
        public var hits = 0
        /// Signatures actually verified (answers not found in the cache).
        public var verifications = 0
        /// Entries dropped to make room.
        public var evictions = 0
        /// Entries held now.
        public var entries = 0
        public var capacity = 0
    }

    private struct Slot {
        var key: Key
        var valid: Bool
        var referenced: Bool
    }

    private struct State {
        var capacity: Int
        var slots: [Slot] = []
        var index: [Key: Int] = [:]
        var hand = 0
        var statistics = Statistics()

        mutating func lookup(_ key: Key) -> Bool? {
            guard let slot = index[key] else { return nil }
            slots[slot].referenced = true
            statistics.hits += 1
            return slots[slot].valid
        }

        mutating func insert(_ key: Key, valid: Bool) {
            // Another thread may have verified the same combination meanwhile: one entry either way.
            guard capacity > 0, index[key] == nil else { return }
            guard slots.count == capacity else {
                index[key] = slots.count
                slots.append(Slot(key: key, valid: valid, referenced: false))
                return
            }
            while slots[hand].referenced {
                slots[hand].referenced = false
                hand = (hand + 1) % capacity
            }
            index[slots[hand].key] = nil
            statistics.evictions += 1
            slots[hand] = Slot(key: key, valid: valid, referenced: false)
            index[key] = hand
            hand = (hand + 1) % capacity
        }
    }

    private let state: Mutex<State>

    /// - Parameter capacity: entries held at most; `0` remembers nothing (every call verifies).
    public init(capacity: Int = VerificationCache.defaultCapacity) {
        state = Mutex(State(capacity: max(0, capacity)))
    }

    /// Sets the number of entries held at most; entries beyond a smaller limit are dropped.
    public func limit(to capacity: Int) {
        state.withLock { state in
            state.capacity = max(0, capacity)
            guard state.slots.count > state.capacity else { return }
            state.statistics.evictions += state.slots.count - state.capacity
            state.slots.removeLast(state.slots.count - state.capacity)
            state.index = Dictionary(uniqueKeysWithValues: state.slots.enumerated().map { ($0.element.key, $0.offset) })
            state.hand = 0
        }
    }

    /// The remembered answer for `key`, or `verify()`'s (then remembered).
    public func verify(_ key: Key, _ verify: () -> Bool) -> Bool {
        if let known = state.withLock({ $0.lookup(key) }) { return known }
        let valid = verify()
        state.withLock { state in
            state.statistics.verifications += 1
            state.insert(key, valid: valid)
        }
        return valid
    }

    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.entries = state.slots.count
            statistics.capacity = state.capacity
            return statistics
        }
    }
}
