import VantageTUF

/// The one error type of `VantageAgent` for everything that is not a fetch outcome: configuration, key files,
/// the spool, the trusted-root store.
///
/// Fetch and verification failures of a target are not `AgentError`s: they are ``VantageCore/ObservationError``
/// values, reported to the coordinator like successes.
public struct AgentError: CodedError {
    /// A stable, machine-readable error code.
    public struct Code: ErrorCode {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A configuration key is missing or has an invalid value; the reason names the key.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// A key file could not be read, written or parsed.
        public static let keyFile = Code(rawValue: "key_file")
        /// A trusted root file could not be read, parsed or does not meet its own threshold.
        public static let trustedRoot = Code(rawValue: "trusted_root")
        /// The spool database failed.
        public static let spool = Code(rawValue: "spool")
        /// Writing a file failed.
        public static let io = Code(rawValue: "io")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
