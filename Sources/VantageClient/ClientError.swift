import VantageTUF

/// The one error type of `VantageClient`. Transport failures and malformed answers are different codes.
public struct ClientError: CodedError {
    public struct Code: ErrorCode {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The coordinator could not be reached or the exchange failed (DNS, connect, TLS, timeout).
        public static let transport = Code(rawValue: "transport")
        /// The coordinator answered with an unexpected HTTP status.
        public static let httpStatus = Code(rawValue: "http_status")
        /// The answer was larger than the configured limit.
        public static let tooLarge = Code(rawValue: "too_large")
        /// The answer could not be decoded.
        public static let malformed = Code(rawValue: "malformed")
        /// The URL or request was invalid.
        public static let invalidRequest = Code(rawValue: "invalid_request")
        /// A document an offline source (bundle, blob folder, pin list file) should hold is missing or unreadable.
        public static let missingDocument = Code(rawValue: "missing_document")
        /// A file could not be written where it must go (unwritable folder, a folder in the way).
        public static let destination = Code(rawValue: "destination")
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
