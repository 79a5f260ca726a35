import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Builds the `HTTPClient`s Vantage uses: TLS always verified (see ``Trust``), redirects never followed
/// automatically (callers decide, see the agent's fetcher), optional proxy.
public enum HTTPClientFactory {
    /// Which certificate authorities TLS servers are verified against.
    public enum Trust: Sendable, Hashable {
        /// The system's trust store, plus the certificates of an extra PEM bundle (`--ca-bundle`, `http.ca_bundle`).
        case system(extra: String?)
        /// Only a PEM file and/or an OpenSSL hashed certificate directory, instead of the system store: what
        /// `CURL_CA_BUNDLE`, `SSL_CERT_FILE` and `SSL_CERT_DIR` mean to curl and OpenSSL.
        case only(file: String?, directory: String?)
    }

    public struct Options: Sendable, Hashable {
        /// The certificate authorities TLS servers are verified against.
        public var trust: Trust
        /// HTTP proxy (CONNECT for https:// destinations).
        public var proxy: Proxy?
        /// Connect timeout, seconds.
        public var connectTimeoutSeconds: Int64
        /// Fail a request on the first failed connection attempt (DNS, refused, TLS) instead of retrying until
        /// its deadline, so the caller sees the real cause at once.
        public var failFast: Bool
        /// HTTP/1 connections kept per host (AsyncHTTPClient's default is 8); an agent sets its concurrency.
        public var connectionsPerHost: Int

        public typealias Proxy = ProxyServer

        /// - Parameters:
        ///   - caBundlePath: PEM file of extra trusted CA certificates, over the system store; `trust` replaces it.
        public init(
            caBundlePath: String? = nil, trust: Trust? = nil, proxy: Proxy? = nil, connectTimeoutSeconds: Int64 = 10,
            failFast: Bool = false, connectionsPerHost: Int = 8
        ) {
            self.trust = trust ?? .system(extra: caBundlePath)
            self.proxy = proxy
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.failFast = failFast
            self.connectionsPerHost = connectionsPerHost
        }
    }

    /// A new client; the caller must `shutdown()` it.
    public static func make(_ options: Options = .init()) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        switch options.trust {
        case .system(let extra):
            if let path = extra {
                do {
                    tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(path))]
                } catch {
                    throw ClientError(.invalidRequest, "CA bundle \(path) is not a readable PEM certificate file")
                }
            }
        case .only(let file, let directory):
            // A directory is looked up by OpenSSL hash names; NIOSSL takes one only as the main trust root.
            if let directory {
                tls.trustRoots = .file(directory)
                if let file { tls.additionalTrustRoots = [.file(file)] }
            } else if let file {
                tls.trustRoots = .file(file)
            }
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(options.connectTimeoutSeconds)))
        if let proxy = options.proxy {
            configuration.proxy = .server(
                host: proxy.host, port: proxy.port,
                authorization: proxy.credentials.map { .basic(username: $0.username, password: $0.password) })
        }
        configuration.decompression = .disabled
        configuration.connectionPool.retryConnectionEstablishment = !options.failFast
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, options.connectionsPerHost)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// An HTTP proxy: host, port and optional basic credentials.
public struct ProxyServer: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var credentials: ProxyURL.Credentials?

    public init(host: String, port: Int, credentials: ProxyURL.Credentials? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// `host:port`, never the credentials.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
