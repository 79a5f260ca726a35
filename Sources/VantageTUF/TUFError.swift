/// The one error type of `VantageTUF`: malformed or unsupported input.
///
/// Verification outcomes (a bad signature, a threshold not met, an expired root) are never thrown: they are
/// values with reasons (``ThresholdResult``, ``ChainStepResult``, ``Finding``). `TUFError` means the bytes
/// could not be read as a root at all.
public struct TUFError: CodedError {
    /// A stable, machine-readable error code.
    public enum Code: String, ErrorCode {
        /// The input is larger than the configured limit.
        case tooLarge = "too_large"
        /// The input is not well-formed JSON.
        case malformedJSON = "malformed_json"
        /// The input is not valid UTF-8.
        case invalidUTF8 = "invalid_utf8"
        /// Arrays and objects are nested deeper than the configured limit.
        case tooDeep = "too_deep"
        /// An object has the same key twice.
        case duplicateKey = "duplicate_key"
        /// A number has a fraction or an exponent; canonical JSON allows integers only.
        case nonInteger = "non_integer"
        /// An integer is outside ±2^53, where Notary's float64 decoding would change it.
        case integerOutOfRange = "integer_out_of_range"
        /// The JSON is well-formed but is not a root metadata document.
        case malformedRoot = "malformed_root"
        /// `signed._type` is neither Notary's `"Root"` nor TUF's `"root"`.
        case wrongType = "wrong_type"
    }

    /// What went wrong, as a stable code.
    public var code: Code
    /// A human-readable explanation naming the offending field or byte offset.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
