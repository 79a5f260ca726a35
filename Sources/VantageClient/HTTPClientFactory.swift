import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Builds the `HTTPClient`s Vantage uses: TLS always verified (system trust store plus an optional extra CA
/// bundle), redirects never followed automatically (callers decide, see the agent's fetcher), optional proxy.
public enum HTTPClientFactory {
    public struct Options: Sendable, Hashable {
        /// PEM file of extra trusted CA certificates.
        public var caBundlePath: String?
        /// HTTPS proxy as host and port.
        public var proxy: Proxy?
        /// Connect timeout, seconds.
        public var connectTimeoutSeconds: Int64
        /// Fail a request on the first failed connection attempt (DNS, refused, TLS) instead of retrying until
        /// its deadline, so the caller sees the real cause at once.
        public var failFast: Bool
        /// HTTP/1 connections kept per host (AsyncHTTPClient's default is 8); an agent sets its concurrency.
        public var connectionsPerHost: Int

        public struct Proxy: Sendable, Hashable {
            public var host: String
            public var port: Int
            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }
        }

        public init(
            caBundlePath: String? = nil, proxy: Proxy? = nil, connectTimeoutSeconds: Int64 = 10, failFast: Bool = false,
            connectionsPerHost: Int = 8
        ) {
            self.connectionsPerHost = connectionsPerHost
            self.caBundlePath = caBundlePath
            self.proxy = proxy
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.failFast = failFast
        }
    }

    /// A new client; the caller must `shutdown()` it.
    public static func make(_ options: Options = .init()) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let path = options.caBundlePath {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(path))]
            } catch {
                throw ClientError(.invalidRequest, "CA bundle \(path) is not a readable PEM certificate file")
            }
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(options.connectTimeoutSeconds)))
        if let proxy = options.proxy { configuration.proxy = .server(host: proxy.host, port: proxy.port) }
        configuration.decompression = .disabled
        configuration.connectionPool.retryConnectionEstablishment = !options.failFast
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, options.connectionsPerHost)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
