import AsyncHTTPClient
import NIOHTTP1
import VantageCore

/// A static pin list mirror over HTTP(S) (``VantageCore/PinListMirror``: nginx, an object store, a CDN): the header,
/// the list's index and the one bundle that holds a target, from which the same ``VantageCore/PinProof`` the
/// coordinator serves is rebuilt. Like every source it is untrusted: ``PinListFetcher`` verifies what it returns.
public struct PinMirrorSource: PinDocumentSource {
    let files: CoordinatorClient

    /// - Parameter baseURL: the URL of the mirror folder, e.g. `https://pins.example.org/vantage`.
    public init(baseURL: String, http: HTTPClient, limits: HTTPLimits = .init()) {
        files = CoordinatorClient(baseURL: baseURL, http: http, limits: limits)
    }

    public var baseURL: String { files.baseURL }

    /// At most ``HTTPLimits/maxHeaderBytes``: a header is verified before anything else is fetched.
    public func header(version: Int64?) async throws -> SignedPinListHeader {
        try await document(version.map { "/headers/\($0).json" } ?? "/latest.json", maxBytes: HTTPLimits.maxHeaderBytes)
    }

    /// The index is checked against the header before the one bundle is fetched; index and bundle are each capped
    /// by the header's pin count (``VantageCore/PinListMirror/maxIndexBytes(pinCount:)``,
    /// ``VantageCore/PinListMirror/maxBundleBytes(count:)``).
    public func pinProof(target: String, version: Int64?) async throws -> PinProof {
        let header = try await header(version: version)
        var budget = files.limits.maxResponseBytes
        let index = try await index(of: header, budget: &budget)
        guard let position = PinListMirror.bundle(for: target, in: index) else { throw Self.noPin(target, header) }
        let pins = try await bundle(index.bundles[position], budget: &budget)
        guard let proof = try PinListMirror.proof(target: target, header: header, index: index, pins: pins) else {
            throw Self.noPin(target, header)
        }
        return proof
    }

    /// At most ``HTTPLimits/maxResponseBytes`` in all, as one answer of the coordinator's whole list: the index is
    /// checked against the header before any bundle is fetched, and each bundle against the index as it arrives.
    public func pinList(version: Int64) async throws -> PinList {
        let header = try await header(version: version)
        var budget = files.limits.maxResponseBytes
        let index = try await index(of: header, budget: &budget)
        var pins: [Pin] = []
        for bundle in index.bundles {
            let bundlePins = try await self.bundle(bundle, budget: &budget)
            guard try PinListMirror.root(of: bundlePins) == bundle.root else {
                throw PinListVerifier.Failure(rule: PinListVerifier.Rule.merkleRoot, "the mirror's bundle \(bundle.root) has other pins")
            }
            pins += bundlePins
        }
        return PinList(header: header, pins: pins)
    }

    /// The index of the list under `header`, refused unless it lays out the header's pins under its Merkle root.
    func index(of header: SignedPinListHeader, budget: inout Int) async throws -> PinListMirror.Index {
        let index: PinListMirror.Index = try await document(
            "/lists/\(header.signed.version).json", maxBytes: PinListMirror.maxIndexBytes(pinCount: header.signed.pinCount), budget: &budget)
        if let failure = PinListMirror.check(index, against: header.signed) { throw failure }
        return index
    }

    func bundle(_ bundle: PinListMirror.Bundle, budget: inout Int) async throws -> [Pin] {
        try await document("/bundles/\(bundle.root).json", maxBytes: PinListMirror.maxBundleBytes(count: bundle.count), budget: &budget)
    }

    public func blob(sha256: String) async throws -> [UInt8] {
        try await files.send(.GET, "/blobs/\(sha256)").body
    }

    func document<T: Decodable>(_ path: String, maxBytes: Int? = nil) async throws -> T {
        try files.decode(T.self, try await files.send(.GET, path, maxBytes: maxBytes).body)
    }

    /// ``document(_:maxBytes:)`` read from what is left of `budget`, the bytes one list fetch may read in all.
    func document<T: Decodable>(_ path: String, maxBytes: Int, budget: inout Int) async throws -> T {
        let body = try await files.send(.GET, path, maxBytes: min(maxBytes, budget)).body
        budget -= body.count
        return try files.decode(T.self, body)
    }

    /// What the fetcher reads as "the list has no pin for this target" (a mirror that hides one is refused as such).
    static func noPin(_ target: String, _ header: SignedPinListHeader) -> ClientError {
        ClientError(.httpStatus, "the mirror's list v\(header.signed.version) has no pin for \(target)", status: 404)
    }
}
