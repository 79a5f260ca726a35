import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// What went wrong in an exchange, from NIO, NIOSSL and AsyncHTTPClient errors: a kind and one line a person can act
/// on (the agent's observation errors and the CLI's diagnostics both come from here).
public struct TransportFailure: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case dns, connect, tls, timeout, malformed, tooLarge = "too_large"
    }

    public var kind: Kind
    /// The cause, in words.
    public var cause: String
    /// What to check, when there is something obvious.
    public var hint: String?

    public var description: String { cause + (hint.map { " (\($0))" } ?? "") }

    /// - Parameter plainHTTP: the request went over `http://`: a server that closes the connection or answers with
    ///   bytes that are not HTTP is most likely speaking TLS on that port, and the hint says so.
    public init(_ error: any Error, plainHTTP: Bool = false) {
        (kind, cause, hint) = Self.classify(error)
        if plainHTTP, Self.isNotHTTPAnswer(error) { hint = "the server may speak TLS on that port: use https://" }
    }

    /// A connection closed before any answer, or bytes that do not parse as HTTP: what a TLS port does with plain HTTP.
    static func isNotHTTPAnswer(_ error: any Error) -> Bool {
        (error as? HTTPClientError) == .remoteConnectionClosed || error is HTTPParserError
    }

    static func classify(_ error: any Error) -> (Kind, String, String?) {
        switch error {
        case let error as HTTPClientError:
            let timeouts: [HTTPClientError] = [
                .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout,
            ]
            if timeouts.contains(error) { return (.timeout, "no answer in time (\(error))", "is the server up and reachable from here?") }
            if error == .remoteConnectionClosed { return (.connect, "connection closed by the server before the answer ended", nil) }
            return (.connect, "\(error)", nil)
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty {
                return (.dns, "cannot resolve \(error.host) (DNS)", "check the host name and this machine's resolver")
            }
            if let tls = error.connectionErrors.first(where: { isTLS($0.error) }) { return tlsFailure(tls.error, host: error.host) }
            let causes = error.connectionErrors.map { describe(socket: $0.error) }
            if causes.allSatisfy({ $0 == "connection refused" }) {
                return (.connect, "connection refused by \(error.host):\(error.port)", "is the server running and listening on that port?")
            }
            return (.connect, "cannot connect to \(error.host):\(error.port): \(Set(causes).sorted().joined(separator: "; "))", nil)
        case let error as SocketAddressError.UnknownHost:
            return (.dns, "cannot resolve \(error.host) (DNS)", "check the host name and this machine's resolver")
        case is SocketAddressError:
            return (.dns, "cannot resolve the host (\(error))", "check the host name and this machine's resolver")
        case let error as ChannelError:
            if case .connectTimeout = error { return (.timeout, "connect timeout", "is the server up and reachable from here?") }
            return (.connect, "\(error)", nil)
        case let error as IOError:
            let cause = describe(socket: error)
            return (.connect, cause, cause == "connection refused" ? "is the server running and listening on that port?" : nil)
        case is HTTPParserError:
            return (.malformed, "the answer is not valid HTTP: \(error)", "is this an HTTP(S) server, and the right scheme?")
        case is NIOTooManyBytesError:
            return (.tooLarge, "\(error)", nil)
        case is CancellationError:
            return (.timeout, "cancelled", nil)
        default:
            if isTLS(error) { return tlsFailure(error, host: nil) }
            return (.connect, "\(error)", nil)
        }
    }

    /// The certificate problem in words: an untrusted or expired chain, a name mismatch, or a failed handshake.
    static func tlsFailure(_ error: any Error, host: String?) -> (Kind, String, String?) {
        let text = "\(error)"
        let name = host.map { " for \($0)" } ?? ""
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return (.tls, "TLS: the server's certificate does not name \(host ?? "this host")", "connect by a name the certificate lists")
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return (.tls, "TLS: the server's certificate\(name) is not signed by a CA this machine trusts, or has expired",
                    "pass --ca-bundle (or set SSL_CERT_FILE) with the CA that signed it, or check its dates")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") {
            return (.tls, "TLS: the server\(name) does not speak TLS on that port", "use http:// for a plain HTTP server")
        }
        return (.tls, "TLS handshake failed\(name): \(text)", nil)
    }

    static func describe(socket error: any Error) -> String {
        guard let io = error as? IOError else { return "\(error)" }
        switch io.errnoCode {
        case ECONNREFUSED: return "connection refused"
        case ENETUNREACH, EHOSTUNREACH: return "network unreachable"
        case ETIMEDOUT: return "timed out"
        case ECONNRESET: return "connection reset"
        default: return "\(io)"
        }
    }

    static func isTLS(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }
}
