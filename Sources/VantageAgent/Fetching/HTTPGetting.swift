import VantageCore

/// One HTTP GET answer, body already collected under the caller's cap.
public struct FetchedResponse: Sendable, Hashable {
    /// The URL that answered (after redirects).
    public var url: String
    public var status: Int
    /// Every `WWW-Authenticate` header value.
    public var wwwAuthenticate: [String]
    public var body: [UInt8]

    public init(url: String, status: Int, wwwAuthenticate: [String] = [], body: [UInt8]) {
        self.url = url
        self.status = status
        self.wwwAuthenticate = wwwAuthenticate
        self.body = body
    }
}

/// The agent's network edge: GET a URL with hard caps, following redirects only under ``RedirectPolicy``.
///
/// Implementations throw only ``VantageCore/ObservationError`` (transport kinds such as `dns`, `tls`,
/// `timeout`, `redirect`, `too_large`); HTTP error statuses are answers, not errors.
public protocol HTTPGetting: Sendable {
    /// GETs `url`. A `200` body is capped at `maxBytes` (larger → `too_large`); other statuses keep at most
    /// ``FetchLimits/smallBodyBytes`` of their body.
    func get(_ url: String, bearerToken: String?, maxBytes: Int) async throws -> FetchedResponse
}
