import Foundation
import VantageCore
import VantageTUF

/// The outcome of one root update: the root reached, the steps verified, or why it stopped.
public struct RootUpdate: Sendable {
    /// The root the walk finished at; `nil` when the server's answer was rejected or unreachable.
    public var final: Root?
    /// The newest verified root (after a failure: the last good one, still trusted).
    public var trusted: Root?
    /// Every rotation step checked, the rejected one included.
    public var steps: [ChainStepResult]
    /// Why the update failed, or `expired` when the final root is expired at the given time.
    public var error: ObservationError?
    /// The root the server offered that failed verification against the trusted one (see ``RootWalk/offered``).
    public var rejected: Root?
    /// Requests made.
    public var requests: Int
    /// The self-signature check of `trusted`, when the walk computed it (see ``RootWalk/trustedSelfCheck``).
    public var trustedSelfCheck: ThresholdResult? = nil
}

/// Drives a ``RootWalk`` against a ``RootSource``: the same code path for the agent and `vantage root update`.
public enum RootUpdater {
    /// Walks from `trusted` (or from scratch) to the newest root the server offers.
    ///
    /// - Parameters:
    ///   - onTrusted: called with every verified root, in order, before the next request; a thrown
    ///     ``VantageCore/ObservationError`` stops the walk with that error (e.g. `notary_rules`), any other with an
    ///     `internal` error.
    ///   - now: the final root must expire after this instant.
    public static func run(
        kind: TargetSpec.Kind, trusted: Root?, source: any RootSource, maxSteps: Int, at now: Date,
        onTrusted: (Root) async throws -> Void
    ) async -> RootUpdate {
        var walk = RootWalk(kind: kind, trusted: trusted, maxSteps: maxSteps)
        var request = walk.start()
        var requests = 0
        func outcome(_ final: Root?, _ error: ObservationError?) -> RootUpdate {
            RootUpdate(
                final: final, trusted: walk.trusted, steps: walk.steps, error: error, rejected: walk.offered, requests: requests,
                trustedSelfCheck: walk.trustedSelfCheck)
        }
        while true {
            let result: RootFetchResult
            do {
                requests += 1
                result = try await source.fetch(request)
            } catch let error as ObservationError {
                return outcome(nil, error)
            } catch {
                return outcome(nil, ObservationError(.internalError, "\(request): \(error)"))
            }
            let decision = walk.receive(request, result)
            for root in decision.trusted {
                do {
                    try await onTrusted(root)
                } catch let error as ObservationError {
                    return outcome(nil, error)
                } catch {
                    return outcome(nil, ObservationError(.internalError, "cannot store verified root v\(root.version): \(error)"))
                }
            }
            switch decision.next {
            case .fetch(let next):
                request = next
            case .fail(let error):
                return outcome(nil, error)
            case .finish(let root):
                if root.expires <= now {
                    return outcome(root, ObservationError(.expired, "root v\(root.version) expired at \(RFC3339.format(root.expires))"))
                }
                return outcome(root, nil)
            }
        }
    }
}
