import Foundation
import Synchronization

/// The sources whose server answered `429 Too Many Requests`, and the instant its `Retry-After` named
/// (``RateLimitedError``, at most ``RetryAfter/maxDelay`` ahead): ``AgentService`` asks none of them again before
/// that instant. Asking sooner only spends more of the registry's limit (Docker Hub counts per address).
public final class ProbeBackoff: Sendable {
    private let until = Mutex<[String: Date]>([:])

    public init() {}

    /// Holds `key` (a source's storage key) back until `instant`; a later instant already held wins.
    public func hold(_ key: String, until instant: Date) {
        until.withLock { held in held[key] = max(held[key] ?? instant, instant) }
    }

    /// The instant `key` is held back until, or `nil` when it may be asked at `now` (an expired hold is forgotten).
    public func heldUntil(_ key: String, now: Date) -> Date? {
        until.withLock { held in
            guard let instant = held[key] else { return nil }
            if instant > now { return instant }
            held[key] = nil
            return nil
        }
    }
}
