import VantageCore

/// One run of the CI verifier: where its pin list and its pinned bytes come from, decided once from the command line,
/// and the online sources (one HTTP client per route, tried in order) when either needs them.
public struct PinRun: Sendable {
    /// Where the pin list comes from.
    public enum ListOrigin: Sendable, Equatable {
        /// A pin list file (`--pins`), verified offline.
        case file(String)
        /// An offline bundle (`--bundle`).
        case bundle(String)
        case online
    }

    /// Where the pinned bytes (roots, manifests, files) come from.
    public enum BlobOrigin: Sendable, Equatable {
        /// A folder of blobs named by SHA-256 (`--blob-dir`).
        case folder(String)
        case bundle(String)
        case online
    }

    public let list: ListOrigin
    public let blobs: BlobOrigin
    /// The online sources; without places when neither origin is online.
    public let online: OnlinePinSources

    /// The origins of `--pins FILE`, `--bundle DIR` and `--blob-dir DIR`: a file or bundle before the network for the
    /// list; a blob folder, then the bundle, before the network for the bytes.
    public static func origins(pins: String?, bundle: String?, blobDir: String?) -> (list: ListOrigin, blobs: BlobOrigin) {
        (pins.map(ListOrigin.file) ?? bundle.map(ListOrigin.bundle) ?? .online,
         blobDir.map(BlobOrigin.folder) ?? bundle.map(BlobOrigin.bundle) ?? .online)
    }

    /// Whether a run with these origins needs the network (a run that installs nothing passes `blobs: nil`).
    public static func needsNetwork(list: ListOrigin, blobs: BlobOrigin?) -> Bool {
        list == .online || blobs == .online
    }

    public init(list: ListOrigin, blobs: BlobOrigin, online: OnlinePinSources) {
        self.list = list
        self.blobs = blobs
        self.online = online
    }

    /// The pin list verified by `fetcher`, for the pins `selection` names (a bundle holds named targets only).
    public func verify(with fetcher: PinListFetcher, selecting selection: PinSelection) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        switch list {
        case .file(let path):
            let data = try LocalDocument.require(path, what: "pin list")
            guard let list = try? Canonical.decode(PinList.self, from: data) else {
                return .failure(.init(rule: PinListVerifier.Rule.schema, "\(path) is not a Vantage pin list (v2)"))
            }
            return fetcher.verify(list, selecting: selection)
        case .bundle(let directory):
            return try await fetcher.fetch(from: PinBundle(directory: directory), selecting: selection)
        case .online:
            return try await online.fetch(with: fetcher, selecting: selection)
        }
    }

    /// The pinned bytes of `pin` from the blob origin. Whoever uses them checks their SHA-256 against the pin.
    public func blob(for pin: Pin) async throws -> [UInt8] {
        switch blobs {
        case .folder(let directory): try BlobFolder(directory: directory).blob(sha256: pin.sha256)
        case .bundle(let directory): try await PinBundle(directory: directory).blob(sha256: pin.sha256)
        case .online: try await online.blob(for: pin)
        }
    }
}
