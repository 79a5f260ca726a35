/// Hard limits for fetching root metadata from one target.
public struct FetchLimits: Sendable, Hashable {
    /// Largest accepted root document; a larger `Content-Length` is rejected before reading (default 512 KiB).
    public var maxResponseBytes: Int
    /// Deadline of one HTTP exchange, connection to last byte.
    public var requestTimeout: Duration
    /// Deadline of a whole probe of one target (token flow and every rotation step).
    public var totalTimeout: Duration
    /// Redirect hops followed per request (https only).
    public var maxRedirects: Int
    /// Rotation steps verified per probe (python-tuf and go-tuf use 256).
    public var maxRotations: Int

    /// Largest error or token response read.
    public static let smallBodyBytes = 16 * 1024

    public init(
        maxResponseBytes: Int = 524_288, requestTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(30),
        maxRedirects: Int = 3, maxRotations: Int = 256
    ) {
        self.maxResponseBytes = maxResponseBytes
        self.requestTimeout = requestTimeout
        self.totalTimeout = totalTimeout
        self.maxRedirects = maxRedirects
        self.maxRotations = maxRotations
    }
}
