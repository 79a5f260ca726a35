/// Size and time limits for one HTTP exchange.
public struct HTTPLimits: Sendable, Hashable {
    /// Largest accepted response body.
    public var maxResponseBytes: Int
    /// Deadline for the whole exchange, connection to last byte.
    public var timeoutSeconds: Int64

    public init(maxResponseBytes: Int = 64 << 20, timeoutSeconds: Int64 = 30) {
        self.maxResponseBytes = maxResponseBytes
        self.timeoutSeconds = timeoutSeconds
    }
}
