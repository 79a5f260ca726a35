import Foundation

/// The network settings of the host a command runs on, read from its environment the way curl reads them, so a CI
/// job behind an egress proxy and a private CA needs nothing more than what its other tools already use.
///
/// - Proxies: `https_proxy`/`HTTPS_PROXY` for `https://` URLs, `http_proxy`/`HTTP_PROXY` for `http://` URLs,
///   `all_proxy`/`ALL_PROXY` for either when those are unset; `no_proxy`/`NO_PROXY` (``ProxyRule``) reaches hosts
///   directly. The lower-case name wins when both are set; an empty value is unset.
/// - Trust: an explicit bundle (`--ca-bundle`, a config file's `ca_bundle`) comes first and is added to the system
///   store. Otherwise `CURL_CA_BUNDLE`, else `SSL_CERT_FILE` and/or `SSL_CERT_DIR`, *replace* the system store, as
///   they do for curl and OpenSSL.
public struct HostNetwork: Sendable, Hashable {
    public var httpsProxy: ProxyServer?
    public var httpProxy: ProxyServer?
    public var noProxy: ProxyRule
    public var trust: HTTPClientFactory.Trust

    public init(httpsProxy: ProxyServer? = nil, httpProxy: ProxyServer? = nil, noProxy: ProxyRule = .init(noProxy: nil),
                trust: HTTPClientFactory.Trust = .system(extra: nil)) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
        self.trust = trust
    }

    /// Reads the proxy and CA variables of `environment` (see the type's discussion).
    /// - Parameters:
    ///   - caBundle: the explicit extra bundle, which wins over every variable.
    ///   - isReadable: whether a file or directory can be read (the file system, in production).
    /// - Throws: ``ClientError`` `invalid_request` naming the variable: a proxy that is not an `http://` URL, a CA
    ///   variable naming nothing readable (which curl too refuses rather than fall back to the system store).
    public init(
        environment: [String: String], caBundle: String? = nil,
        isReadable: (String) -> Bool = { FileManager.default.isReadableFile(atPath: $0) }
    ) throws(ClientError) {
        self = try Self.proxies(environment)
        func readable(_ name: String) throws(ClientError) -> String? {
            guard let (spelling, path) = Self.variable(name, environment) else { return nil }
            guard isReadable(path) else { throw ClientError(.invalidRequest, "\(spelling)=\(path): cannot read it") }
            return path
        }
        if let caBundle {
            trust = .system(extra: caBundle)
        } else if let bundle = try readable("CURL_CA_BUNDLE") {
            trust = .only(file: bundle, directory: nil)
        } else {
            let file = try readable("SSL_CERT_FILE"), directory = try readable("SSL_CERT_DIR")
            trust = file == nil && directory == nil ? .system(extra: nil) : .only(file: file, directory: directory)
        }
    }

    /// The proxy variables of `environment` only, with the system trust store (an agent configures its own CAs).
    public static func proxies(_ environment: [String: String]) throws(ClientError) -> HostNetwork {
        func proxy(_ name: String) throws(ClientError) -> ProxyServer? {
            guard let (spelling, value) = variable(name, environment) ?? variable("all_proxy", environment) else { return nil }
            return try ProxyURL.parse(value, setting: spelling)
        }
        return HostNetwork(httpsProxy: try proxy("https_proxy"), httpProxy: try proxy("http_proxy"),
                           noProxy: ProxyRule(noProxy: variable("no_proxy", environment)?.value))
    }

    /// The lower-case spelling of `name`, else the upper-case one, with its value; empty values are unset.
    static func variable(_ name: String, _ environment: [String: String]) -> (name: String, value: String)? {
        for spelling in [name.lowercased(), name.uppercased()] {
            if let value = environment[spelling], !value.isEmpty { return (spelling, value) }
        }
        return nil
    }

    /// The proxy a request to `url` goes through, or `nil` to connect directly.
    public func proxy(for url: String) -> ProxyServer? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), let host = parts.host else { return nil }
        let proxy = scheme == "https" ? httpsProxy : scheme == "http" ? httpProxy : nil
        guard let proxy else { return nil }
        return noProxy.bypasses(host: host, port: parts.port ?? (scheme == "http" ? 80 : 443)) ? nil : proxy
    }
}
