import Foundation
import VantageCore

/// Probes one `oci` or `file` target over the agent's own network path: fetches under the total timeout, and turns
/// what it found into a ``ProbeResult`` with the agent's verdict against the first digest it saw for the source
/// (`first_sight`, `same`, `changed`: content has no signed chain, so the target's change policy decides later).
public struct ContentProber: Sendable {
    let http: any HTTPGetting
    let limits: FetchLimits
    let credentials: RegistryCredentials

    public init(http: any HTTPGetting, limits: FetchLimits, credentials: RegistryCredentials = .none) {
        self.http = http
        self.limits = limits
        self.credentials = credentials
    }

    /// What one probe found, and until when a registry asked not to be asked again (`429` + `Retry-After`).
    public struct Outcome: Sendable {
        public var result: ProbeResult
        public var retryAfter: Date?
    }

    /// Fetches `source` for `target`.
    /// - Parameters:
    ///   - history: the first digest this agent saw for the source and the facts of its last `GET` (a `HEAD` that
    ///     names that digest again needs no `GET`); `nil` for a source never seen.
    ///   - onFetched: persists the facts before the observation is made, so a crash cannot turn the next poll into
    ///     a first sight.
    public func probe(
        _ target: TargetSpec, source: RepositorySource, supplier: TargetSupplier, history: (first: String, last: ContentFacts)?,
        now: @escaping @Sendable () -> Date, onFetched: @escaping @Sendable (ContentFacts) async throws -> Void
    ) async -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        let observedAt = Timestamp(now())
        func failed(_ error: ObservationError, retryAfter: Date? = nil) -> Outcome {
            Outcome(
                result: ProbeResult(
                    target: target, source: source, observedAt: observedAt,
                    latencyMilliseconds: TargetProber.milliseconds(clock.now - started), error: error, chainSteps: nil),
                retryAfter: retryAfter)
        }
        let fetched: FetchedContent
        do {
            fetched = try await withDeadline(limits.totalTimeout, "probe of \(target.id)") { [self] in
                try await fetch(source, supplier: supplier, known: history?.last, now: now)
            }
            if fetched.bytes != nil { try await onFetched(fetched.facts) }
        } catch let limited as RateLimitedError {
            return failed(limited.error, retryAfter: limited.retryAfter)
        } catch {
            return failed(error as? ObservationError ?? ObservationError(.internalError, "\(error)"))
        }
        let digest = fetched.facts.sha256
        let continuity: Continuity = history.map { $0.first == digest ? .same : .changed } ?? .firstSight
        return Outcome(
            result: ProbeResult(
                target: target, source: source, observedAt: observedAt, latencyMilliseconds: TargetProber.milliseconds(clock.now - started),
                content: fetched.facts, bytes: fetched.bytes, continuity: continuity),
            retryAfter: nil)
    }

    func fetch(_ source: RepositorySource, supplier: TargetSupplier, known: ContentFacts?, now: @escaping @Sendable () -> Date) async throws
        -> FetchedContent
    {
        switch source.kind {
        case .oci:
            let manifest = OCIManifestSource(
                registryURL: source.url, repository: source.repository ?? "", tag: source.tag ?? "", http: http,
                maxBytes: limits.maxResponseBytes, supplier: supplier, credential: credentials.credential(forRegistry: source.url), now: now)
            return try await manifest.fetch(known: known)
        case .file:
            return try await FileContentSource(url: source.url, http: http, maxBytes: limits.maxFileBytes, supplier: supplier, now: now).fetch()
        case .notary, .tuf:
            throw ObservationError(.internalError, "\(source.kind.rawValue) targets are walked, not fetched as content")
        }
    }
}
