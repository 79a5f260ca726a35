import Foundation
import VantageCore
import VantageTUF

/// Probes one target over the agent's own network path: builds its ``RootSource``, walks from the trusted
/// root under the total timeout, applies Notary's own rules, and turns the outcome into a ``ProbeResult`` with the
/// agent's continuity verdict.
public struct TargetProber: Sendable {
    let http: any HTTPGetting
    let limits: FetchLimits

    public init(http: any HTTPGetting, limits: FetchLimits) {
        self.http = http
        self.limits = limits
    }

    /// The root source of `target`, whose requests are bound by the rules for `supplier`'s targets (root kinds:
    /// `notary` reads the server's current root, any other kind versioned TUF roots).
    public func source(for target: TargetSpec, supplier: TargetSupplier = .configuration) -> any RootSource {
        guard target.kind == .notary else {
            return TUFRootSource(baseURL: target.url, http: http, maxBytes: limits.maxResponseBytes, supplier: supplier)
        }
        return NotaryRootSource(
            serverURL: target.url, gun: target.gun ?? "", http: http, maxBytes: limits.maxResponseBytes, supplier: supplier)
    }

    /// Walks `target` (fetched from `source`, by default the target's own) from `trusted` and reports what it found.
    /// - Parameters:
    ///   - onTrusted: persists each newly verified root before the walk continues.
    ///   - adopt: asked about a root that does not verify against `trusted`; returns `true` once it has persisted it
    ///     as the new trusted root (approvers signed it), `false` to keep the old one.
    ///   - trustedWasAdopted: `trusted` was adopted on approvals, not reached by a verified chain: the same bytes are
    ///     then still attested `unchained`, so every client applies its own approvers to them.
    ///   - supplier: who listed the target; every request for a coordinator's must match `network.allowed_sources`.
    public func probe(
        _ target: TargetSpec, source: RepositorySource? = nil, supplier: TargetSupplier = .configuration, trusted: Root?,
        trustedWasAdopted: Bool = false,
        now: @escaping @Sendable () -> Date,
        onTrusted: @escaping @Sendable (Root) async throws -> Void,
        adopt: @escaping @Sendable (Root) async -> Bool = { _ in false }
    ) async -> ProbeResult {
        let clock = ContinuousClock()
        let started = clock.now
        let observedAt = Timestamp(now())
        let repository = source ?? target.source ?? RepositorySource(kind: target.kind, normalisedURL: target.url, gun: target.gun)
        // Fetch exactly the URL the attestation names (the normalised one), not the spelling the target was given in.
        let source = self.source(
            for: TargetSpec(id: target.id, kind: repository.kind, url: repository.url, gun: repository.gun), supplier: supplier)
        let limits = limits
        let gun = target.kind == .notary ? target.gun : nil
        func failed(_ error: ObservationError, steps: Int?) -> ProbeResult {
            ProbeResult(
                target: target, source: repository, observedAt: observedAt, latencyMilliseconds: Self.milliseconds(clock.now - started),
                error: error, chainSteps: steps)
        }
        let update: RootUpdate
        do {
            update = try await withDeadline(limits.totalTimeout, "probe of \(target.id)") {
                await RootUpdater.run(
                    kind: target.kind, trusted: trusted, source: source, maxSteps: limits.maxRotations, at: now(),
                    onTrusted: { root in
                        // Nothing the `notary` client would refuse becomes this agent's trusted root.
                        if let gun, let refusal = Self.notaryRefusal(root, gun: gun, at: now(), selfCheck: nil) { throw refusal }
                        try await onTrusted(root)
                    })
            }
        } catch {
            return failed(error as? ObservationError ?? ObservationError(.internalError, "\(error)"), steps: nil)
        }
        let latency = Self.milliseconds(clock.now - started)
        let accepted = update.steps.filter(\.isAccepted).count
        if let error = update.error, error.kind == .chainRejected, let offered = update.rejected {
            if let gun, let refusal = Self.notaryRefusal(offered, gun: gun, at: now(), selfCheck: nil) {
                return failed(refusal, steps: accepted)
            }
            // Report what this path serves, flagged unchained; the trusted root stays unless approvers signed it.
            let adopted = await adopt(offered)
            return ProbeResult(
                target: target, source: repository, observedAt: observedAt, latencyMilliseconds: latency, root: offered,
                chainSteps: accepted, continuity: .unchained,
                chainRejection: error.message + (adopted ? " (adopted: approved by the configured approvers)" : ""))
        }
        if let error = update.error { return failed(error, steps: accepted) }
        guard let root = update.final else {
            return failed(ObservationError(.internalError, "walk ended without a root"), steps: accepted)
        }
        // The walk already checked the final root's own signatures when it reached it (start or step).
        let selfCheck = update.trusted.map { $0.bytes == root.bytes } == true ? update.trustedSelfCheck : nil
        // A root trusted earlier is checked again: its certificates may have expired since.
        if let gun, let refusal = Self.notaryRefusal(root, gun: gun, at: now(), selfCheck: selfCheck) {
            return failed(refusal, steps: accepted)
        }
        return ProbeResult(
            target: target, source: repository, observedAt: observedAt, latencyMilliseconds: latency, root: root, chainSteps: accepted,
            continuity: trustedWasAdopted && trusted?.bytes == root.bytes ? .unchained : Self.continuity(from: trusted, to: root),
            selfCheck: selfCheck)
    }

    /// The verdict on `root`, reached by a verified walk from `trusted`.
    static func continuity(from trusted: Root?, to root: Root) -> Continuity {
        guard let trusted else { return .firstSight }
        if trusted.bytes == root.bytes { return .same }
        return RootFingerprint(trusted).rootKeysDigest == RootFingerprint(root).rootKeysDigest ? .resigned : .rotated
    }

    /// Notary's `ValidateRoot` rules for `gun` (certificate CN, leaf not a CA, validity), as a typed error.
    static func notaryRefusal(_ root: Root, gun: String, at now: Date, selfCheck: ThresholdResult?) -> ObservationError? {
        let evaluation = NotaryRootPolicy.evaluate(root, gun: gun, at: now, selfCheck: selfCheck ?? RootVerifier.selfCheck(root))
        guard !evaluation.isMet else { return nil }
        let codes = Set(evaluation.findings.filter { $0.severity == .error }.map(\.code)).sorted()
        return ObservationError(
            .notaryRules,
            "root v\(root.version) would be refused by the notary client for \(gun): \(evaluation.count) of \(evaluation.threshold) root keys pass"
                + (codes.isEmpty ? "" : " (\(codes.joined(separator: ", ")))"))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
