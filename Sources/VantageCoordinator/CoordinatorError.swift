import VantageTUF

/// The one error type of `VantageCoordinator`, with a stable machine-readable ``Code``.
///
/// Codes for bad input (`malformed_request`, `too_large`, `unauthorized`, …) are separate from codes for the
/// coordinator's own failures (`storage`, `configuration`, `internal`). ``CoordinatorError+HTTP.swift`` maps each
/// code to one HTTP status in one place.
public struct CoordinatorError: CodedError {
    /// A stable error code.
    public struct Code: ErrorCode {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The request body or a parameter is not what the route expects (HTTP 400).
        public static let malformedRequest = Code(rawValue: "malformed_request")
        /// The request body is larger than the configured limit (HTTP 413).
        public static let tooLarge = Code(rawValue: "too_large")
        /// The client did not send its request body within `listen.body_timeout_seconds` (HTTP 408).
        public static let timeout = Code(rawValue: "timeout")
        /// A missing or wrong admin bearer token (HTTP 401).
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// The named target, pin list, blob or agent does not exist (HTTP 404).
        public static let notFound = Code(rawValue: "not_found")
        /// The request contradicts stored state (e.g. re-adding a target id with another source).
        public static let conflict = Code(rawValue: "conflict")
        /// The configuration is invalid; the reason names the key.
        public static let configuration = Code(rawValue: "configuration")
        /// The coordinator signing key is missing or unreadable.
        public static let key = Code(rawValue: "key")
        /// The database failed (HTTP 503: the request may be retried).
        public static let storage = Code(rawValue: "storage")
        /// A pin list the coordinator built failed its own verification (never published).
        public static let pinListRejected = Code(rawValue: "pin_list_rejected")
        /// An alert channel could not deliver (transport failure or refusal); the outbox retries.
        public static let delivery = Code(rawValue: "delivery")
    }

    /// What went wrong, as a stable code.
    public var code: Code
    /// A human-readable explanation.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
