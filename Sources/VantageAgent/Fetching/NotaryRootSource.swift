import VantageCore

/// The roots of one GUN on a Notary v1 server: `GET {server}/v2/{gun}/_trust/tuf/root.json` and
/// `{N}.root.json`, following the registry bearer-token challenge on `401` (formats.md §5.2).
///
/// The token is requested with `scope=repository:{gun}:pull`, kept for the life of this source (one probe), and
/// never sent to another origin. Token endpoint failures are `auth` errors; a hanging one is a `timeout`; a realm
/// the agent's ``DestinationPolicy`` refuses (checked by the getter like every request: its address, and for a
/// coordinator-supplied target `network.allowed_sources`) is `forbidden`. The realm
/// is server-controlled: messages quote it clipped, and never quote a response body.
public actor NotaryRootSource: RootSource {
    public nonisolated let serverURL: String
    public nonisolated let gun: String
    let http: any HTTPGetting
    let maxBytes: Int
    let supplier: TargetSupplier
    var token: String?

    /// - Parameter supplier: whose target this is (a coordinator's binds every request, the token realm included,
    ///   to `network.allowed_sources`).
    public init(serverURL: String, gun: String, http: any HTTPGetting, maxBytes: Int, supplier: TargetSupplier = .configuration) {
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.gun = gun
        self.http = http
        self.maxBytes = maxBytes
        self.supplier = supplier
    }

    /// The URL of `request` for this GUN.
    public nonisolated func url(_ request: RootRequest) -> String {
        "\(serverURL)/v2/\(gun)/_trust/tuf/\(request)"
    }

    public func fetch(_ request: RootRequest) async throws -> RootFetchResult {
        let url = self.url(request)
        var response = try await http.get(url, bearerToken: token, maxBytes: maxBytes, supplier: supplier)
        if response.status == 401 {
            guard let challenge = BearerChallenge.parse(response.wwwAuthenticate) else {
                throw ObservationError(.auth, "\(url): HTTP 401 without a Bearer challenge", status: 401)
            }
            token = try await fetchToken(challenge)
            response = try await http.get(url, bearerToken: token, maxBytes: maxBytes, supplier: supplier)
            if response.status == 401 {
                throw ObservationError(.auth, "\(url): HTTP 401 again with the token from \(ServerText.clip(challenge.realm))", status: 401)
            }
        }
        switch response.status {
        case 200: return .document(response.body)
        case 404: return .absent(status: 404)
        default: throw HTTPStatusError.make(response)
        }
    }

    func fetchToken(_ challenge: BearerChallenge) async throws -> String {
        let tokenURL = try TokenRequest.url(for: challenge, gun: gun, allowHTTP: serverURL.lowercased().hasPrefix("http://"))
        let response: FetchedResponse
        do {
            response = try await http.get(tokenURL, bearerToken: nil, maxBytes: FetchLimits.smallBodyBytes, supplier: supplier)
        } catch let error as ObservationError where error.kind == .timeout || error.kind == .forbidden {
            // A realm on a refused address stays `forbidden`: the agent's own rule, not the registry's failure.
            throw ObservationError(error.kind, "token endpoint: \(ServerText.clip(error.message, limit: 600))")
        } catch let error as ObservationError {
            // The token URL is built from the server's realm: its messages are clipped.
            throw ObservationError(.auth, "token endpoint (\(error.kind.rawValue)): \(ServerText.clip(error.message, limit: 600))")
        }
        guard response.status == 200 else {
            throw ObservationError(
                .auth, "token endpoint \(ServerText.clip(challenge.realm)) answered HTTP \(response.status)", status: response.status)
        }
        return try TokenRequest.token(from: response.body)
    }
}
