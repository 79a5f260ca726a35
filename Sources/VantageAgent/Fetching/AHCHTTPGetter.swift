import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VantageClient
import VantageCore

/// ``HTTPGetting`` over AsyncHTTPClient: verified TLS (system roots plus an optional extra bundle), no automatic
/// redirects (``RedirectPolicy`` decides), an optional HTTPS proxy bypassed per ``ProxyRule``, streamed bodies
/// with a hard cap, and a deadline per exchange that also covers the body.
public final class AHCHTTPGetter: HTTPGetting {
    let direct: HTTPClient
    let proxied: HTTPClient?
    let proxyRule: ProxyRule
    let limits: FetchLimits

    /// Creates the clients; call ``shutdown()`` when done.
    /// - Parameters:
    ///   - caBundlePath: PEM file of extra trusted CA certificates.
    ///   - proxy: HTTPS proxy; `nil` for direct connections.
    ///   - noProxy: hosts reached directly even with a proxy.
    ///   - connectionsPerHost: connections kept per host (the agent's concurrency, so probes do not queue).
    public init(
        limits: FetchLimits, caBundlePath: String?, proxy: HTTPClientFactory.Options.Proxy?, noProxy: ProxyRule,
        connectionsPerHost: Int = 8
    ) throws {
        let connect = Int64(limits.requestTimeout.components.seconds.clamped(1, 60))
        direct = try HTTPClientFactory.make(
            .init(caBundlePath: caBundlePath, connectTimeoutSeconds: connect, failFast: true, connectionsPerHost: connectionsPerHost))
        if let proxy {
            do {
                proxied = try HTTPClientFactory.make(
                    .init(caBundlePath: caBundlePath, proxy: proxy, connectTimeoutSeconds: connect, failFast: true,
                          connectionsPerHost: connectionsPerHost))
            } catch {
                try? direct.syncShutdown()
                throw error
            }
        } else {
            proxied = nil
        }
        proxyRule = noProxy
        self.limits = limits
    }

    /// Shuts the underlying clients down.
    public func shutdown() async {
        try? await direct.shutdown()
        try? await proxied?.shutdown()
    }

    public func get(_ url: String, bearerToken: String?, maxBytes: Int) async throws -> FetchedResponse {
        var current = url
        var token = bearerToken
        var hops = 0
        while true {
            let target = current
            let credential = token
            let response = try await withDeadline(limits.requestTimeout, "GET \(target)") {
                try await self.exchange(target, bearerToken: credential, maxBytes: maxBytes)
            }
            guard RedirectPolicy.redirectStatuses.contains(response.answer.status) else { return response.answer }
            switch RedirectPolicy.decide(from: current, location: response.location, hopsSoFar: hops, maxHops: limits.maxRedirects) {
            case .reject(let reason):
                throw ObservationError(.redirect, reason)
            case .follow(let next):
                if RedirectPolicy.changesOrigin(from: current, to: next) { token = nil }
                current = next
                hops += 1
            }
        }
    }

    struct Exchange: Sendable {
        var answer: FetchedResponse
        var location: String?
    }

    func client(for url: String) -> HTTPClient {
        guard let proxied, let parsed = URL(string: url), let host = parsed.host else { return direct }
        return proxyRule.bypasses(host: host, port: parsed.port ?? (parsed.scheme == "http" ? 80 : 443)) ? direct : proxied
    }

    func exchange(_ url: String, bearerToken: String?, maxBytes: Int) async throws -> Exchange {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "vantage-agent/\(VantageClientInfo.version)")
        request.headers.add(name: "Accept", value: "application/json")
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        do {
            let response = try await client(for: url).execute(request, timeout: .seconds(Int64(limits.requestTimeout.components.seconds) + 1))
            let status = Int(response.status.code)
            let cap = status == 200 ? maxBytes : FetchLimits.smallBodyBytes
            if status == 200, let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > cap {
                throw ObservationError(.tooLarge, "\(url): Content-Length \(length) above the limit of \(cap) bytes")
            }
            var body: [UInt8] = []
            for try await var chunk in response.body {
                if body.count + chunk.readableBytes > cap {
                    if status == 200 {
                        throw ObservationError(.tooLarge, "\(url): body larger than the limit of \(cap) bytes")
                    }
                    body += chunk.readBytes(length: cap - body.count) ?? []
                    break  // error bodies are only read for their first bytes
                }
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
            return Exchange(
                answer: FetchedResponse(
                    url: url, status: status, wwwAuthenticate: response.headers["WWW-Authenticate"],
                    body: body),
                location: response.headers.first(name: "Location"))
        } catch {
            throw TransportErrorMapper.map(error, url: url)
        }
    }
}

extension Int64 {
    func clamped(_ low: Int64, _ high: Int64) -> Int64 { Swift.min(Swift.max(self, low), high) }
}
