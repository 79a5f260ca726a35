import VantageTUF

/// The one error type of `VantageCore`: malformed statements, keys or documents.
///
/// Verification failures of well-formed input (a bad signature, too few attestations) are values with
/// reasons, not errors.
public struct CoreError: CodedError {
    public enum Code: String, ErrorCode {
        /// A key or key file is not an Ed25519 key in the documented encoding.
        case malformedKey = "malformed_key"
        /// A statement, pin list or policy does not match its schema.
        case malformedDocument = "malformed_document"
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
