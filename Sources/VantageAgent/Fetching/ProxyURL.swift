import Foundation
import VantageClient

/// Parses an HTTPS proxy setting (`HTTPS_PROXY`, `http.proxy`): `http://host:port` or `host:port`.
public enum ProxyURL {
    /// The proxy, or `nil` for an empty value.
    public static func parse(_ text: String) throws -> HTTPClientFactory.Options.Proxy? {
        if text.isEmpty { return nil }
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), let host = url.host, !host.isEmpty, url.scheme?.lowercased() == "http" else {
            throw AgentError(.invalidConfiguration, "http.proxy: \(text) is not an http://host:port proxy URL")
        }
        return .init(host: host, port: url.port ?? 80)
    }
}
