/// Which root document to fetch.
public enum RootRequest: Sendable, Hashable, CustomStringConvertible {
    /// The server's current root (Notary `root.json`).
    case current
    /// A versioned root, `{N}.root.json`.
    case version(Int)

    public var description: String {
        switch self {
        case .current: "root.json"
        case .version(let n): "\(n).root.json"
        }
    }
}

/// A fetched root document, or the server's statement that it does not exist.
public enum RootFetchResult: Sendable, Hashable {
    /// The exact bytes served.
    case document([UInt8])
    /// Not found (404, or 403 for TUF mirrors on object stores) — the end of a TUF chain.
    case absent(status: Int)
}

/// Where one target's root documents come from. Implementations throw only ``VantageCore/ObservationError``.
public protocol RootSource: Sendable {
    /// Fetches one root document.
    func fetch(_ request: RootRequest) async throws -> RootFetchResult
}
