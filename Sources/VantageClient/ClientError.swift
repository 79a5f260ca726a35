import VantageTUF

/// The one error type of `VantageClient`. Transport failures and malformed answers are different codes.
public struct ClientError: CodedError {
    public enum Code: String, ErrorCode {
        /// The coordinator could not be reached or the exchange failed (DNS, connect, TLS, timeout).
        case transport = "transport"
        /// The coordinator answered with an unexpected HTTP status.
        case httpStatus = "http_status"
        /// The answer was larger than the configured limit.
        case tooLarge = "too_large"
        /// The answer could not be decoded.
        case malformed = "malformed"
        /// The URL or request was invalid.
        case invalidRequest = "invalid_request"
        /// A document an offline source (bundle, blob folder, pin list file) should hold is missing or unreadable.
        case missingDocument = "missing_document"
        /// A file could not be written where it must go (unwritable folder, a folder in the way).
        case destination = "destination"
    }

    public var code: Code
    public var reason: String
    /// The HTTP status, for ``Code/httpStatus``.
    public var status: Int?

    public init(_ code: Code, _ reason: String, status: Int? = nil) {
        self.code = code
        self.reason = reason
        self.status = status
    }

    public static func == (a: ClientError, b: ClientError) -> Bool { a.code == b.code && a.status == b.status }
}
