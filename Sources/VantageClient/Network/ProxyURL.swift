import Foundation

/// Parses a proxy setting (`HTTPS_PROXY`, `http_proxy`, the agent's `http.proxy`) as curl does:
/// `[http://][user:password@]host[:port]`, port 1080 when none is given.
public enum ProxyURL {
    /// The port curl assumes when a proxy setting names none.
    public static let defaultPort = 1080

    /// The proxy, or `nil` for an empty value.
    /// - Parameter setting: what the value came from, for the message (`HTTPS_PROXY`, `http.proxy`).
    /// - Throws: ``ClientError`` `invalid_request` for anything but an `http://` proxy with a host.
    public static func parse(_ text: String, setting: String) throws(ClientError) -> HTTPClientFactory.Options.Proxy? {
        if text.isEmpty { return nil }
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URLComponents(string: withScheme), let host = url.host, !host.isEmpty,
            url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil
        else {
            throw ClientError(.invalidRequest, "\(setting): \(Self.redacted(text)) is not an http://[user:password@]host[:port] proxy URL")
        }
        guard url.scheme?.lowercased() == "http" else {
            // AsyncHTTPClient speaks to proxies in clear HTTP (CONNECT for https:// destinations) only.
            throw ClientError(.invalidRequest, "\(setting): \(url.scheme ?? "")://\(host) proxies are not supported; use an http:// proxy")
        }
        let credentials = url.user.map { Credentials(username: $0.removingPercentEncoding ?? $0,
                                                       password: (url.password ?? "").removingPercentEncoding ?? "") }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return .init(host: bare, port: url.port ?? defaultPort, credentials: credentials)
    }

    /// `text` with the password of `user:password@` replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        guard start < at, let colon = text[start..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// Basic credentials for the proxy (`Proxy-Authorization`).
    public struct Credentials: Sendable, Hashable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }
}
