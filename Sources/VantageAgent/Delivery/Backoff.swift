/// Exponential backoff with jitter for delivery retries: after the `n`-th consecutive failure wait
/// `min(cap, base · 2^(n-1))`, scaled by a random factor in [0.5, 1) ("equal jitter"), so agents that lost the
/// coordinator together do not retry in lockstep.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after `failures` consecutive failures (`failures` ≥ 1), with `random` in [0, 1).
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        guard failures > 0 else { return .zero }
        let exponent = min(failures - 1, 30)
        let full = min(cap, base * (1 << exponent))
        let factor = 0.5 + 0.5 * min(max(random, 0), 1)
        return full * factor
    }
}
