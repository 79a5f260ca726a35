import AsyncHTTPClient
import Crypto
import VantageCore
import VantageTUF

/// The online places a CI host fetches pin lists from, tried in order, with one HTTP client per route (direct, or
/// through the host's proxy) for the whole run.
///
/// Every place gets a total deadline: when it passes, whatever that place is still sending is cancelled and the
/// next place is tried, so a mirror that answers one byte at a time, or without end, cannot hold the run. A place
/// that is down or serves a list that does not verify only sends the run on to the next.
public struct OnlinePinSources: Sendable {
    /// One place: a coordinator (the `/v1` API) or a static mirror folder.
    public struct Place: Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable { case coordinator, mirror }
        public var kind: Kind
        public var url: String

        public init(_ kind: Kind, _ url: String) {
            self.kind = kind
            self.url = url
        }

        public var description: String { "\(kind.rawValue) \(url)" }
    }

    /// The default total deadline of one place.
    public static let defaultDeadline: Duration = .seconds(30)

    public let places: [Place]
    /// Total time one place may take for the list (header, bridge, proofs) or for one blob.
    public let deadline: Duration
    let http: RoutedHTTPClient
    /// Where per-place outcomes go (the CLI's stderr).
    let report: @Sendable (String) -> Void

    /// Runs `body` with the places and the clients of `network` made with `options`; shuts them down afterwards.
    public static func with<T>(
        _ places: [Place], network: HostNetwork, options: HTTPClientFactory.Options, deadline: Duration = defaultDeadline,
        report: @escaping @Sendable (String) -> Void, _ body: (OnlinePinSources) async throws -> T
    ) async throws -> T {
        try await RoutedHTTPClient.with(network, options: options) { http in
            try await body(OnlinePinSources(places: places, deadline: deadline, http: http, report: report))
        }
    }

    /// The first place whose newest list verifies, as `fetcher` verifies it; when none does, the first refusal, or
    /// else the first error.
    public func fetch(
        with fetcher: PinListFetcher, expectations: [PinListVerifier.Expectation]?
    ) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        try await fetch(with: fetcher, selecting: expectations.map(PinSelection.targets) ?? .all)
    }

    /// ``fetch(with:expectations:)`` for the pins `selection` names.
    public func fetch(with fetcher: PinListFetcher, selecting selection: PinSelection) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        var refusal: PinListVerifier.Failure?
        var firstError: (any Error)?
        for (index, place) in places.enumerated() {
            do {
                switch try await attempt(place, { try await fetcher.fetch(from: $0, selecting: selection) }) {
                case .success(let verified): return .success(verified)
                case .failure(let failure):
                    say(place, "\(failure)", index)
                    refusal = refusal ?? failure
                }
            } catch {
                say(place, Self.describe(error), index)
                firstError = firstError ?? error
            }
        }
        if let refusal { return .failure(refusal) }
        throw firstError ?? ClientError(.invalidRequest, "no source of pin lists: pass --coordinator or --mirror, or set VANTAGE_COORDINATOR")
    }

    /// The pinned bytes (root, manifest or file) of `pin` from the first place that has bytes with its SHA-256.
    /// - Throws: ``PinListVerifier/Failure`` with rule `blob_mismatch` when places answered but none with those
    ///   bytes; else the first error.
    public func blob(for pin: Pin) async throws -> [UInt8] {
        var mismatched: [String] = []
        var firstError: (any Error)?
        for (index, place) in places.enumerated() {
            do {
                let bytes = try await attempt(place) { try await $0.blob(sha256: pin.sha256) }
                if ByteEncoding.hexEncode(SHA256.hash(data: bytes)) == pin.sha256 { return bytes }
                say(place, "blob \(pin.sha256) has other bytes", index)
                mismatched.append(place.description)
            } catch {
                say(place, "blob \(pin.sha256): \(Self.describe(error))", index)
                firstError = firstError ?? error
            }
        }
        if !mismatched.isEmpty {
            throw PinListVerifier.Failure(rule: PinListVerifier.Rule.blobMismatch, target: pin.target,
                "no source has bytes with the attested SHA-256 \(pin.sha256) (other bytes from \(mismatched.joined(separator: ", ")))")
        }
        throw firstError ?? ClientError(.missingDocument, "no source has blob \(pin.sha256)")
    }

    /// `body` against `place`, cancelled when ``deadline`` passes.
    func attempt<T: Sendable>(_ place: Place, _ body: @escaping @Sendable (any PinDocumentSource) async throws -> T) async throws -> T {
        let source: any PinDocumentSource = switch place.kind {
        case .coordinator: CoordinatorClient(baseURL: place.url, http: http.client(for: place.url))
        case .mirror: PinMirrorSource(baseURL: place.url, http: http.client(for: place.url))
        }
        do {
            return try await Deadline.run(deadline) { try await body(source) }
        } catch let exceeded as Deadline.Exceeded {
            throw ClientError(.transport, "\(place.url): \(exceeded) (the total deadline of one source; see --source-timeout)")
        }
    }

    /// One line per place that did not do: with the next step, so the last place never promises another.
    func say(_ place: Place, _ what: String, _ index: Int) {
        guard places.count > 1 else { return }
        report("\(place): \(what); " + (index + 1 < places.count ? "trying the next source" : "no other source left"))
    }

    static func describe(_ error: any Error) -> String {
        (error as? ClientError)?.reason ?? "\(error)"
    }
}
