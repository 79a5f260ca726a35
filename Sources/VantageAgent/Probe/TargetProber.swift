import Foundation
import VantageCore
import VantageTUF

/// Probes one target over the agent's own network path: builds its ``RootSource``, walks from the trusted
/// root under the total timeout, and turns the outcome into a ``ProbeResult``.
public struct TargetProber: Sendable {
    let http: any HTTPGetting
    let limits: FetchLimits

    public init(http: any HTTPGetting, limits: FetchLimits) {
        self.http = http
        self.limits = limits
    }

    /// The root source of `target`.
    public func source(for target: TargetSpec) -> any RootSource {
        switch target.kind {
        case .notary:
            NotaryRootSource(serverURL: target.url, gun: target.gun ?? "", http: http, maxBytes: limits.maxResponseBytes)
        case .tuf:
            TUFRootSource(baseURL: target.url, http: http, maxBytes: limits.maxResponseBytes)
        }
    }

    /// Walks `target` from `trusted` and reports what it found.
    /// - Parameter onTrusted: persists each newly verified root before the walk continues.
    public func probe(
        _ target: TargetSpec, trusted: Root?, now: @escaping @Sendable () -> Date,
        onTrusted: @escaping @Sendable (Root) async throws -> Void
    ) async -> ProbeResult {
        let clock = ContinuousClock()
        let started = clock.now
        let observedAt = Timestamp(now())
        let source = self.source(for: target)
        let limits = limits
        let update: RootUpdate
        do {
            update = try await withDeadline(limits.totalTimeout, "probe of \(target.id)") {
                await RootUpdater.run(
                    kind: target.kind, trusted: trusted, source: source, maxSteps: limits.maxRotations, at: now(),
                    onTrusted: onTrusted)
            }
        } catch {
            let failure = error as? ObservationError ?? ObservationError(.internalError, "\(error)")
            return ProbeResult(
                target: target, observedAt: observedAt, latencyMilliseconds: Self.milliseconds(clock.now - started),
                error: failure, chainSteps: nil)
        }
        let latency = Self.milliseconds(clock.now - started)
        let accepted = update.steps.filter(\.isAccepted).count
        if let error = update.error, error.kind == .chainRejected, let offered = update.rejected {
            // Report what this path serves, flagged; the trusted root stays where it was.
            return ProbeResult(target: target, observedAt: observedAt, latencyMilliseconds: latency, root: offered, chainSteps: accepted,
                chainRejection: error.message)
        }
        if let error = update.error {
            return ProbeResult(target: target, observedAt: observedAt, latencyMilliseconds: latency, error: error, chainSteps: accepted)
        }
        guard let root = update.final else {
            return ProbeResult(target: target, observedAt: observedAt, latencyMilliseconds: latency,
                error: ObservationError(.internalError, "walk ended without a root"), chainSteps: accepted)
        }
        // The walk already checked the final root's own signatures when it reached it (start or step).
        let selfCheck = update.trusted.map { $0.bytes == root.bytes } == true ? update.trustedSelfCheck : nil
        return ProbeResult(
            target: target, observedAt: observedAt, latencyMilliseconds: latency, root: root, chainSteps: accepted, selfCheck: selfCheck)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
