import VantageTUF

/// The one error type of `VantageCoordinator`, with a stable machine-readable ``Code``.
///
/// Codes for bad input (`malformed_request`, `too_large`, `unauthorized`, …) are separate from codes for the
/// coordinator's own failures (`storage`, `configuration`, `internal`). ``CoordinatorError+HTTP.swift`` maps each
/// code to one HTTP status in one place.
public struct CoordinatorError: CodedError {
    /// A stable error code.
    public enum Code: String, ErrorCode {
        /// The request body or a parameter is not what the route expects (HTTP 400).
        case malformedRequest = "malformed_request"
        /// The request body is larger than the configured limit (HTTP 413).
        case tooLarge = "too_large"
        /// The client did not send its request body within `listen.body_timeout_seconds` (HTTP 408).
        case timeout = "timeout"
        /// A missing or wrong admin bearer token (HTTP 401).
        case unauthorized = "unauthorized"
        /// The named target, pin list, blob or agent does not exist (HTTP 404).
        case notFound = "not_found"
        /// The request contradicts stored state (e.g. re-adding a target id with another source).
        case conflict = "conflict"
        /// The configuration is invalid; the reason names the key.
        case configuration = "configuration"
        /// The coordinator signing key is missing or unreadable.
        case key = "key"
        /// The database failed (HTTP 503: the request may be retried).
        case storage = "storage"
        /// A pin list the coordinator built failed its own verification (never published).
        case pinListRejected = "pin_list_rejected"
        /// An alert channel could not deliver (transport failure or refusal); the outbox retries.
        case delivery = "delivery"
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
