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

    public func pinProof(target: String, version: Int64?) async throws -> PinProof {
        let header = try await header(version: version)
        let index: PinListMirror.Index = try await document("/lists/\(header.signed.version).json")
        guard let position = PinListMirror.bundle(for: target, in: index) else { throw Self.noPin(target, header) }
        let pins: [Pin] = try await document("/bundles/\(index.bundles[position].root).json")
        guard let proof = try PinListMirror.proof(target: target, header: header, index: index, pins: pins) else {
            throw Self.noPin(target, header)
        }
        return proof
    }

    public func pinList(version: Int64) async throws -> PinList {
        let header = try await header(version: version)
        let index: PinListMirror.Index = try await document("/lists/\(version).json")
        var pins: [Pin] = []
        for bundle in index.bundles { pins += try await document("/bundles/\(bundle.root).json") as [Pin] }
        return PinList(header: header, pins: pins)
    }

    public func blob(sha256: String) async throws -> [UInt8] {
        try await files.send(.GET, "/blobs/\(sha256)").body
    }

    func document<T: Decodable>(_ path: String, maxBytes: Int? = nil) async throws -> T {
        try files.decode(T.self, try await files.send(.GET, path, maxBytes: maxBytes).body)
    }

    /// What the fetcher reads as "the list has no pin for this target" (a mirror that hides one is refused as such).
    static func noPin(_ target: String, _ header: SignedPinListHeader) -> ClientError {
        ClientError(.httpStatus, "the mirror's list v\(header.signed.version) has no pin for \(target)", status: 404)
    }
}
