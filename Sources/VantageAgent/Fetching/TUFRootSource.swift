import VantageCore

/// The versioned roots of a TUF repository: `GET {base}/{N}.root.json`; 404 and 403 end the chain.
public struct TUFRootSource: RootSource {
    public let baseURL: String
    let http: any HTTPGetting
    let maxBytes: Int
    let supplier: TargetSupplier

    /// - Parameter supplier: whose target this is (a coordinator's binds every request to `network.allowed_sources`).
    public init(baseURL: String, http: any HTTPGetting, maxBytes: Int, supplier: TargetSupplier = .configuration) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.maxBytes = maxBytes
        self.supplier = supplier
    }

    public func fetch(_ request: RootRequest) async throws -> RootFetchResult {
        guard case .version(let n) = request else {
            throw ObservationError(.internalError, "TUF repositories have no unversioned root.json")
        }
        let url = "\(baseURL)/\(n).root.json"
        let response = try await http.get(url, bearerToken: nil, maxBytes: maxBytes, supplier: supplier)
        switch response.status {
        case 200: return .document(response.body)
        case 403, 404: return .absent(status: response.status)
        default: throw HTTPStatusError.make(response)
        }
    }
}

/// The `http_status` observation error for an unexpected answer: the status code and our own words only. The
/// body is the server's text and is never quoted (it would be signed into an observation and shown to operators);
/// the URL may come from a redirect, so it is clipped.
enum HTTPStatusError {
    static func make(_ response: FetchedResponse) -> ObservationError {
        ObservationError(.httpStatus, "\(ServerText.clip(response.url)): HTTP \(response.status)", status: response.status)
    }
}
