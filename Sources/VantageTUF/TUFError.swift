/// The one error type of `VantageTUF`: malformed or unsupported input.
///
/// Verification outcomes (a bad signature, a threshold not met, an expired root) are never thrown: they are
/// values with reasons (``ThresholdResult``, ``ChainStepResult``, ``Finding``). `TUFError` means the bytes
/// could not be read as a root at all.
public struct TUFError: CodedError {
    /// A stable, machine-readable error code.
    public struct Code: ErrorCode {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The input is larger than the configured limit.
        public static let tooLarge = Code(rawValue: "too_large")
        /// The input is not well-formed JSON.
        public static let malformedJSON = Code(rawValue: "malformed_json")
        /// The input is not valid UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalid_utf8")
        /// Arrays and objects are nested deeper than the configured limit.
        public static let tooDeep = Code(rawValue: "too_deep")
        /// An object has the same key twice.
        public static let duplicateKey = Code(rawValue: "duplicate_key")
        /// A number has a fraction or an exponent; canonical JSON allows integers only.
        public static let nonInteger = Code(rawValue: "non_integer")
        /// An integer is outside ±2^53, where Notary's float64 decoding would change it.
        public static let integerOutOfRange = Code(rawValue: "integer_out_of_range")
        /// The JSON is well-formed but is not a root metadata document.
        public static let malformedRoot = Code(rawValue: "malformed_root")
        /// `signed._type` is neither Notary's `"Root"` nor TUF's `"root"`.
        public static let wrongType = Code(rawValue: "wrong_type")
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
