import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import VantageCore

/// Maps errors from NIO, NIOSSL and AsyncHTTPClient to the observation error kinds (`dns`, `connect`, `tls`,
/// `timeout`, `too_large`, `malformed`).
public enum TransportErrorMapper {
    /// The observation error for a failed exchange with `url`.
    public static func map(_ error: any Error, url: String) -> ObservationError {
        if let error = error as? ObservationError { return error }
        let (kind, text) = classify(error)
        return ObservationError(kind, "\(url): \(text)")
    }

    static func classify(_ error: any Error) -> (ObservationError.Kind, String) {
        switch error {
        case let error as HTTPClientError:
            let timeouts: [HTTPClientError] = [
                .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout,
            ]
            if timeouts.contains(error) { return (.timeout, "\(error)") }
            if error == .remoteConnectionClosed { return (.connect, "connection closed by the server before the answer ended") }
            return (.connect, "\(error)")
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty {
                return (.dns, "cannot resolve \(error.host): \(error.dnsAError.map { "\($0)" } ?? error.dnsAAAAError.map { "\($0)" } ?? "no addresses")")
            }
            if let tls = error.connectionErrors.first(where: { isTLS($0.error) }) { return (.tls, "\(tls.error)") }
            return (.connect, "cannot connect to \(error.host):\(error.port): \(error.connectionErrors.map { "\($0.error)" }.joined(separator: "; "))")
        case is SocketAddressError, is SocketAddressError.UnknownHost:
            return (.dns, "\(error)")
        case let error as ChannelError:
            if case .connectTimeout = error { return (.timeout, "connect timeout") }
            return (.connect, "\(error)")
        case is IOError:
            return (.connect, "\(error)")
        case is HTTPParserError:
            return (.malformed, "the answer is not valid HTTP: \(error)")
        case is NIOTooManyBytesError:
            return (.tooLarge, "\(error)")
        case is CancellationError:
            return (.timeout, "cancelled")
        default:
            if isTLS(error) { return (.tls, "\(error)") }
            return (.connect, "\(error)")
        }
    }

    static func isTLS(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }
}
