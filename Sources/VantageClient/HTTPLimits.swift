/// Size and time limits for one HTTP exchange.
public struct HTTPLimits: Sendable, Hashable {
    /// Largest accepted response body.
    public var maxResponseBytes: Int
    /// Deadline for the whole exchange, connection to last byte of the body.
    public var timeoutSeconds: Int64

    /// Largest signed pin-list header read from any source: the coordinator's `/v1/pins/…/header`, a mirror's
    /// `latest.json` and `headers/N.json`, a bundle's `headers/N.json`. A real header is under 2 KB; the cap keeps a
    /// forged one from costing more than that before its signature is checked.
    public static let maxHeaderBytes = 16 << 10

    public init(maxResponseBytes: Int = 64 << 20, timeoutSeconds: Int64 = 30) {
        self.maxResponseBytes = maxResponseBytes
        self.timeoutSeconds = timeoutSeconds
    }
}
