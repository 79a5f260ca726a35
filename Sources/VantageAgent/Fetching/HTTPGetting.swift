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

/// Who chose the target a request is made for: it decides whether `network.allowed_sources` binds the request.
public enum TargetSupplier: Sendable, Hashable {
    /// The operator (the configuration's `targets`, `vantage root update`): only the address rule applies.
    case configuration
    /// A coordinator (`targets_from_coordinator`): the target URL, each redirect hop and a Notary token realm must
    /// all match `network.allowed_sources` (``DestinationPolicy/checkCoordinatorRequest(url:)``).
    case coordinator
}

/// The agent's network edge: GET a URL with hard caps, following redirects only under ``RedirectPolicy``.
///
/// Implementations throw only ``VantageCore/ObservationError`` (transport kinds such as `dns`, `tls`,
/// `timeout`, `redirect`, `too_large`); HTTP error statuses are answers, not errors.
public protocol HTTPGetting: Sendable {
    /// GETs `url`. A `200` body is capped at `maxBytes` (larger → `too_large`); other statuses keep at most
    /// ``FetchLimits/smallBodyBytes`` of their body. `supplier` says whose target the request serves, and so
    /// which destinations it and its redirect hops may reach.
    func get(_ url: String, bearerToken: String?, maxBytes: Int, supplier: TargetSupplier) async throws -> FetchedResponse
}
