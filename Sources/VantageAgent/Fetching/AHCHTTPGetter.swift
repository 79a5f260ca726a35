import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VantageClient
import VantageCore

/// ``HTTPGetting`` over AsyncHTTPClient (`GET` and `HEAD`): verified TLS (system roots plus an optional extra bundle), no automatic
/// redirects (``RedirectPolicy`` decides), optional proxies bypassed per ``ProxyRule``, streamed bodies
/// with a hard cap, and a deadline per exchange that also covers the body.
///
/// Before every exchange — the first request, each redirect hop, and so a registry token realm too — the
/// destination is checked against ``DestinationPolicy``: for a coordinator-supplied target the URL must match
/// `network.allowed_sources`; then the host, a literal address directly, a name by resolving it and refusing if
/// any of its addresses is not public. Through an HTTPS proxy the check still applies to the
/// destination named in the URL (resolved here, even though the proxy connects to it); when this host cannot
/// resolve that name the request is refused as `dns`.
///
/// Residual risk (documented in agents/README.md): the check resolves the name, then AsyncHTTPClient resolves it
/// again to connect. A hostile DNS server answering a public address to the first query and a private one to
/// the second (DNS rebinding, within its TTL) can still slip one connection through; a proxy resolves on its
/// own side and has the same window. Literal addresses have no such window.
public final class AHCHTTPGetter: HTTPGetting {
    let http: RoutedHTTPClient
    let limits: FetchLimits
    let destinations: DestinationPolicy
    let resolver: any HostResolving

    /// Creates the clients; call ``shutdown()`` when done.
    /// - Parameters:
    ///   - caBundlePath: PEM file of extra trusted CA certificates.
    ///   - proxy: the proxy of every request (an agent's `http.proxy`); `nil` for direct connections.
    ///   - noProxy: hosts reached directly even with a proxy.
    ///   - connectionsPerHost: connections kept per host (the agent's concurrency, so probes do not queue).
    ///   - destinations: which addresses requests may go to; an agent passes its configuration's
    ///     (``DestinationPolicy/init(_:)``), only the operator's own command line ``DestinationPolicy/unrestricted``.
    ///   - resolver: resolves host names for the destination check.
    public convenience init(
        limits: FetchLimits, caBundlePath: String?, proxy: HTTPClientFactory.Options.Proxy?, noProxy: ProxyRule,
        connectionsPerHost: Int = 8, destinations: DestinationPolicy, resolver: any HostResolving = SystemHostResolver()
    ) throws {
        try self.init(
            limits: limits, network: HostNetwork(httpsProxy: proxy, httpProxy: proxy, noProxy: noProxy, trust: .system(extra: caBundlePath)),
            connectionsPerHost: connectionsPerHost, destinations: destinations, resolver: resolver)
    }

    /// Creates the clients for the routes and trust of `network` (a command line reads the host's, ``HostNetwork``).
    public init(
        limits: FetchLimits, network: HostNetwork, connectionsPerHost: Int = 8, destinations: DestinationPolicy,
        resolver: any HostResolving = SystemHostResolver()
    ) throws {
        let connect = Int64(limits.requestTimeout.components.seconds.clamped(1, 60))
        http = try RoutedHTTPClient(
            network: network, options: .init(connectTimeoutSeconds: connect, failFast: true, connectionsPerHost: connectionsPerHost))
        self.limits = limits
        self.destinations = destinations
        self.resolver = resolver
    }

    /// Shuts the underlying clients down.
    public func shutdown() async {
        await http.shutdown()
    }

    public func fetch(_ request: FetchRequest, supplier: TargetSupplier) async throws -> FetchedResponse {
        var current = request.url
        var authorization = request.authorization
        var hops = 0
        while true {
            var hop = request
            hop.url = current
            hop.authorization = authorization
            // After a redirect the URL comes from a server's Location header.
            let shown = hops == 0 ? current : ServerText.clip(current)
            let response = try await withDeadline(limits.requestTimeout, "\(request.method.rawValue) \(shown)") { [hop] in
                try await self.admit(hop.url, shown: shown, supplier: supplier)
                return try await self.exchange(hop, shown: shown)
            }
            guard RedirectPolicy.redirectStatuses.contains(response.answer.status) else { return response.answer }
            switch RedirectPolicy.decide(from: current, location: response.location, hopsSoFar: hops, maxHops: limits.maxRedirects) {
            case .reject(let reason):
                throw ObservationError(.redirect, reason)
            case .follow(let next):
                if RedirectPolicy.changesOrigin(from: current, to: next) { authorization = nil }
                current = next
                hops += 1
            }
        }
    }

    struct Exchange: Sendable {
        var answer: FetchedResponse
        var location: String?
    }

    /// Throws `forbidden` unless ``destinations`` allows `url` for a target of `supplier` (see the type's discussion).
    func admit(_ url: String, shown: String, supplier: TargetSupplier) async throws {
        if supplier == .coordinator, case .forbidden(let reason) = destinations.checkCoordinatorRequest(url: url) {
            throw ObservationError(.forbidden, "\(shown): \(reason)")
        }
        if destinations.allowPrivateAddresses { return }
        // The host exactly as AsyncHTTPClient takes it (`DeconstructedURL`): `URL.host`, IPv6 brackets trimmed.
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let urlHost = parsed.host, !urlHost.isEmpty
        else { throw ObservationError(.forbidden, "\(shown): no http(s) destination host to check") }
        let host = urlHost.hasPrefix("[") && urlHost.hasSuffix("]") ? String(urlHost.dropFirst().dropLast()) : urlHost
        let addresses: [IPAddress]
        if let literal = IPAddress(literal: host) {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver.addresses(of: host)
            } catch let error as ObservationError {
                throw ObservationError(error.kind, "\(shown): \(error.message)")
            } catch {
                throw TransportErrorMapper.map(error, url: shown)
            }
        }
        if case .forbidden(let reason) = destinations.check(host: host, addresses: addresses) {
            throw ObservationError(.forbidden, "\(shown): \(reason)")
        }
    }


    /// - Parameter shown: the request's URL as error messages name it (clipped when it came from a redirect).
    func exchange(_ fetch: FetchRequest, shown: String) async throws -> Exchange {
        var request = HTTPClientRequest(url: fetch.url)
        request.method = fetch.method == .head ? .HEAD : .GET
        request.headers.add(name: "User-Agent", value: "vantage-agent/\(VantageRelease.version)")
        request.headers.add(name: "Accept", value: fetch.accept.joined(separator: ", "))
        switch fetch.authorization {
        case .bearer(let token): request.headers.add(name: "Authorization", value: "Bearer \(token)")
        case .basic(let credential): request.headers.add(name: "Authorization", value: credential.basicHeaderValue)
        case nil: break
        }
        do {
            let timeout = TimeAmount.seconds(Int64(limits.requestTimeout.components.seconds) + 1)
            let response = try await http.client(for: fetch.url).execute(request, timeout: timeout)
            let status = Int(response.status.code)
            let cap = status == 200 ? fetch.maxBytes : FetchLimits.smallBodyBytes
            // A HEAD answer's Content-Length is the size a GET would get; it has no body to cap.
            if status == 200, fetch.method == .get, let length = response.headers.first(name: "Content-Length").flatMap(Int.init),
                length > cap
            {
                throw ObservationError(.tooLarge, "\(shown): Content-Length \(length) above the limit of \(cap) bytes")
            }
            var body: [UInt8] = []
            for try await var chunk in response.body {
                if body.count + chunk.readableBytes > cap {
                    if status == 200 {
                        throw ObservationError(.tooLarge, "\(shown): body larger than the limit of \(cap) bytes")
                    }
                    body += chunk.readBytes(length: cap - body.count) ?? []
                    break  // error bodies are only read for their first bytes
                }
                body += chunk.readBytes(length: chunk.readableBytes) ?? []
            }
            let headers = response.headers
            return Exchange(
                answer: FetchedResponse(
                    url: fetch.url, status: status, wwwAuthenticate: headers["WWW-Authenticate"], body: body,
                    dockerContentDigest: headers.first(name: "Docker-Content-Digest"), contentType: headers.first(name: "Content-Type"),
                    retryAfter: headers.first(name: "Retry-After")),
                location: headers.first(name: "Location"))
        } catch {
            throw TransportErrorMapper.map(error, url: shown)
        }
    }
}

extension Int64 {
    func clamped(_ low: Int64, _ high: Int64) -> Int64 { Swift.min(Swift.max(self, low), high) }
}
