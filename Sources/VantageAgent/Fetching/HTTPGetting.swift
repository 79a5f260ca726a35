import VantageCore

/// One HTTP answer, body already collected under the caller's cap.
public struct FetchedResponse: Sendable, Hashable {
    /// The URL that answered (after redirects).
    public var url: String
    public var status: Int
    /// Every `WWW-Authenticate` header value.
    public var wwwAuthenticate: [String]
    public var body: [UInt8]
    /// `Docker-Content-Digest` as the server sent it: a registry's claim about the manifest's bytes, not a proof.
    public var dockerContentDigest: String?
    /// `Content-Type` as the server sent it.
    public var contentType: String?
    /// `Retry-After` as the server sent it (seconds or an HTTP date; ``RetryAfter`` reads it).
    public var retryAfter: String?

    public init(
        url: String, status: Int, wwwAuthenticate: [String] = [], body: [UInt8], dockerContentDigest: String? = nil,
        contentType: String? = nil, retryAfter: String? = nil
    ) {
        self.url = url
        self.status = status
        self.wwwAuthenticate = wwwAuthenticate
        self.body = body
        self.dockerContentDigest = dockerContentDigest
        self.contentType = contentType
        self.retryAfter = retryAfter
    }
}

/// Credentials sent in an `Authorization` header. Its descriptions never show the secret, so a request or an
/// error that carries one can be printed or logged without leaking it.
public enum HTTPAuthorization: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A registry bearer token.
    case bearer(String)
    /// HTTP basic credentials (a docker `config.json` `auths` entry, ``RegistryCredential``).
    case basic(RegistryCredential)

    public var description: String {
        switch self {
        case .bearer: "Bearer (token hidden)"
        case .basic(let credential): "Basic \(credential)"
        }
    }

    public var debugDescription: String { description }
}

/// One request of the agent's network edge.
public struct FetchRequest: Sendable, Hashable {
    /// The methods the agent uses: `HEAD` only asks a registry which digest a tag names (Docker Hub does not count it).
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        case head = "HEAD"
    }

    public var url: String
    public var method: Method
    /// The `Accept` media types, sent as one comma-separated header.
    public var accept: [String]
    /// Sent to `url`'s origin only: dropped on a redirect to another origin.
    public var authorization: HTTPAuthorization?
    /// Cap of a `200` body (larger → `too_large`).
    public var maxBytes: Int

    public init(
        url: String, method: Method = .get, accept: [String] = ["application/json"], authorization: HTTPAuthorization? = nil,
        maxBytes: Int
    ) {
        self.url = url
        self.method = method
        self.accept = accept
        self.authorization = authorization
        self.maxBytes = maxBytes
    }
}

/// Who chose the target a request is made for: it decides whether `network.allowed_sources` binds the request.
public enum TargetSupplier: Sendable, Hashable {
    /// The operator (the configuration's `targets`, `vantage root update`): only the address rule applies.
    case configuration
    /// A coordinator (`targets_from_coordinator`): the target URL, each redirect hop and a registry token realm
    /// must all match `network.allowed_sources` (``DestinationPolicy/checkCoordinatorRequest(url:)``).
    case coordinator
}

/// The agent's network edge: GET or HEAD a URL with hard caps, following redirects only under ``RedirectPolicy``.
///
/// Implementations throw only ``VantageCore/ObservationError`` (transport kinds such as `dns`, `tls`,
/// `timeout`, `redirect`, `too_large`); HTTP error statuses are answers, not errors.
public protocol HTTPGetting: Sendable {
    /// Sends `request`. A `200` body is capped at ``FetchRequest/maxBytes`` (larger → `too_large`); other statuses
    /// keep at most ``FetchLimits/smallBodyBytes`` of their body; a `HEAD` answer has none. `supplier` says whose
    /// target the request serves, and so which destinations it and its redirect hops may reach.
    func fetch(_ request: FetchRequest, supplier: TargetSupplier) async throws -> FetchedResponse
}

extension HTTPGetting {
    /// GETs `url` asking for JSON, with an optional bearer token (the root fetchers' request).
    public func get(_ url: String, bearerToken: String?, maxBytes: Int, supplier: TargetSupplier) async throws -> FetchedResponse {
        try await fetch(FetchRequest(url: url, authorization: bearerToken.map { .bearer($0) }, maxBytes: maxBytes), supplier: supplier)
    }
}
