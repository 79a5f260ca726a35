import Foundation

/// One request in the registry's access log
/// (`127.0.0.1 - - [date] "HEAD /v2/lib/app/manifests/1.0 HTTP/2.0" 200 1234 "" "user-agent"`).
public struct RegistryAccess: Sendable, Equatable {
    public var method: String
    /// The request target (path and query).
    public var path: String
    public var status: Int
    public var userAgent: String

    /// Parses an access-log line; nil for the registry's other log lines.
    init?(line: Substring) {
        guard let open = line.range(of: "] \"") else { return nil }
        let quoted = line[open.upperBound...].split(separator: "\"", omittingEmptySubsequences: false)
        // request, ` STATUS SIZE `, referer, ` `, user agent
        guard quoted.count >= 5 else { return nil }
        let request = quoted[0].split(separator: " ")
        let figures = quoted[1].split(separator: " ")
        guard request.count == 3, request[2].hasPrefix("HTTP/"), let status = figures.first.flatMap({ Int($0) }) else { return nil }
        method = String(request[0])
        path = String(request[1])
        self.status = status
        userAgent = String(quoted[4])
    }
}
