/// Hard limits for fetching from one target.
public struct FetchLimits: Sendable, Hashable {
    /// Largest accepted root document; a larger `Content-Length` is rejected before reading (default 512 KiB).
    public var maxResponseBytes: Int
    /// Largest accepted `file` target (``FileContentSource``); default ``defaultMaxFileBytes``.
    public var maxFileBytes: Int
    /// Deadline of one HTTP exchange, connection to last byte.
    public var requestTimeout: Duration
    /// Deadline of a whole probe of one target (token flow and every rotation step).
    public var totalTimeout: Duration
    /// Redirect hops followed per request (https only).
    public var maxRedirects: Int
    /// Rotation steps verified per probe (python-tuf and go-tuf use 256).
    public var maxRotations: Int

    /// The default ``maxFileBytes``: key files and keyrings are a few KiB.
    public static let defaultMaxFileBytes = 262_144

    /// Largest error or token response read.
    public static let smallBodyBytes = 16 * 1024

    public init(
        maxResponseBytes: Int = 524_288, requestTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(30),
        maxRedirects: Int = 3, maxRotations: Int = 256, maxFileBytes: Int = FetchLimits.defaultMaxFileBytes
    ) {
        self.maxResponseBytes = maxResponseBytes
        self.maxFileBytes = maxFileBytes
        self.requestTimeout = requestTimeout
        self.totalTimeout = totalTimeout
        self.maxRedirects = maxRedirects
        self.maxRotations = maxRotations
    }
}
