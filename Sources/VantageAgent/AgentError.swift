import VantageTUF

/// The one error type of `VantageAgent` for everything that is not a fetch outcome: configuration, key files,
/// the spool, the trusted-root store.
///
/// Fetch and verification failures of a target are not `AgentError`s: they are ``VantageCore/ObservationError``
/// values, reported to the coordinator like successes.
public struct AgentError: CodedError {
    /// A stable, machine-readable error code.
    public enum Code: String, ErrorCode {
        /// A configuration key is missing or has an invalid value; the reason names the key.
        case invalidConfiguration = "invalid_configuration"
        /// A key file could not be read, written or parsed.
        case keyFile = "key_file"
        /// A trusted root file could not be read, parsed or does not meet its own threshold.
        case trustedRoot = "trusted_root"
        /// The spool database failed.
        case spool = "spool"
        /// Writing a file failed.
        case io = "io"
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
