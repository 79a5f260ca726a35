/// How a repository's root changed between two observations.
public struct RootChange: Sendable, Hashable, Encodable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The same root (canonical `signed` identical).
        case same
        /// New version with the same root key material and threshold.
        case resigned
        /// A verified rotation chain leads from the old root to the new one.
        case rotated
        /// Anything else: an unchained replacement, a rollback, or an unverifiable new root.
        case replaced
    }

    public var kind: Kind
    /// Why this classification, in order of discovery.
    public var reasons: [String]
    /// The rotation steps examined, when a chain was checked.
    public var steps: [ChainStepResult]

    public init(kind: Kind, reasons: [String], steps: [ChainStepResult] = []) {
        self.kind = kind
        self.reasons = reasons
        self.steps = steps
    }
}
