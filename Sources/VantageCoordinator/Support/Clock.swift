import Foundation
import VantageCore

/// The coordinator's source of "now". Production reads the system clock; tests pass a manual clock so time-based
/// rules (min_duration, hold periods, expiry, silence) can be driven deterministically.
public struct CoordinatorClock: Sendable {
    let read: @Sendable () -> Timestamp
    let readMillis: @Sendable () -> Int64

    /// - Parameters:
    ///   - now: whole-second time for statements and consensus.
    ///   - nowMillis: millisecond time for the alert outbox schedule.
    public init(now: @escaping @Sendable () -> Timestamp, nowMillis: @escaping @Sendable () -> Int64) {
        read = now
        readMillis = nowMillis
    }

    /// The system clock.
    public static let system = CoordinatorClock(
        now: { Timestamp(Date()) }, nowMillis: { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) })

    public var now: Timestamp { read() }
    public var nowMillis: Int64 { readMillis() }
}
