/// Limits applied while reading untrusted JSON.
public struct JSONLimits: Sendable, Hashable {
    /// Largest accepted input, in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects.
    public var maxDepth: Int

    public init(maxBytes: Int = 512 * 1024, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// TUF clients cap root.json at 512,000 bytes; root metadata nests 5 levels deep.
    public static let `default` = JSONLimits()
}
