/// Something a verifier noticed, with a stable code.
public struct Finding: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case info, warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// Stable identifier, e.g. `threshold_not_met`, `cn_mismatch`, `keyid_mismatch`.
    public var code: String
    public var severity: Severity
    /// The key the finding is about, if any.
    public var keyID: String?
    public var message: String

    public init(_ code: String, _ severity: Severity, keyID: String? = nil, _ message: String) {
        self.code = code
        self.severity = severity
        self.keyID = keyID
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case code, severity, message
        case keyID = "keyid"
    }
}
