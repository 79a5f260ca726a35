import AsyncHTTPClient
import Foundation

/// The HTTP clients of one run, one per route — direct and through each proxy of a ``HostNetwork`` — each made
/// once, so every request on a route reuses its connections.
public final class RoutedHTTPClient: Sendable {
    public let network: HostNetwork
    let clients: [ProxyServer?: HTTPClient]

    /// Makes a client per route of `network`, with `options`' limits and `network`'s trust; call ``shutdown()``.
    public init(network: HostNetwork, options: HTTPClientFactory.Options) throws {
        var clients: [ProxyServer?: HTTPClient] = [:]
        do {
            for proxy in Set([nil, network.httpsProxy, network.httpProxy]) {
                var routed = options
                routed.proxy = proxy
                routed.trust = network.trust
                clients[proxy] = try HTTPClientFactory.make(routed)
            }
        } catch {
            for client in clients.values { try? client.syncShutdown() }
            throw error
        }
        self.network = network
        self.clients = clients
    }

    /// The client for a request to `url`.
    public func client(for url: String) -> HTTPClient {
        clients[network.proxy(for: url)] ?? clients[nil]!
    }

    /// Shuts every client down.
    public func shutdown() async {
        for client in clients.values { try? await client.shutdown() }
    }

    /// Runs `body` with clients for `network`, shutting them down afterwards.
    public static func with<T>(
        _ network: HostNetwork, options: HTTPClientFactory.Options, _ body: (RoutedHTTPClient) async throws -> T
    ) async throws -> T {
        let http = try RoutedHTTPClient(network: network, options: options)
        do {
            let result = try await body(http)
            await http.shutdown()
            return result
        } catch {
            await http.shutdown()
            throw error
        }
    }
}
