import VantageCore

/// The roots of one GUN on a Notary v1 server: `GET {server}/v2/{gun}/_trust/tuf/root.json` and
/// `{N}.root.json`, following the registry bearer-token challenge on `401` (formats.md §5.2, ``RegistryAuthFlow``).
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
    /// The token of this probe, once a challenge was answered.
    var authorization: HTTPAuthorization?

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
        let flow = RegistryAuthFlow(
            http: http, supplier: supplier, repository: gun, allowHTTP: serverURL.lowercased().hasPrefix("http://"), credential: nil)
        let (response, kept) = try await flow.send(FetchRequest(url: url(request), maxBytes: maxBytes), authorization: authorization)
        authorization = kept
        switch response.status {
        case 200: return .document(response.body)
        case 404: return .absent(status: 404)
        default: throw HTTPStatusError.make(response)
        }
    }
}
