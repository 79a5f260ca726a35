import Foundation
import VantageClient

/// What the agent's configuration allows a probe to reach — a pure value, consulted by ``AHCHTTPGetter`` before
/// every request of a probe (the target URL, a Notary token realm, each redirect hop) and by ``TargetCatalog``
/// for the targets a coordinator lists. The README's trust model counts the coordinator and the registries as
/// possibly hostile: neither may turn an agent into a probe of its own host or private network.
///
/// - `allowPrivateAddresses` (`network.allow_private_addresses`, default `false`): when `false`, no request
///   goes to a loopback, private, link-local, CGNAT, unspecified, multicast or reserved address, nor to an
///   IPv6 form embedding one (IPv4-mapped, NAT64, 6to4). A host name is refused when **any** address it
///   resolves to is refused.
/// - `allowedSources` (`network.allowed_sources`): the coordinator-supplied targets that may be probed, and
///   where their requests (redirect hops, a Notary token realm) may go; empty means none. Statically configured
///   targets are the operator's own choice and are not matched.
public struct DestinationPolicy: Sendable, Hashable {
    /// The outcome of a check: allowed, or forbidden with a reason naming the rule.
    public enum Verdict: Sendable, Hashable {
        case allowed
        case forbidden(String)
    }

    public var allowPrivateAddresses: Bool
    public var allowedSources: [SourcePattern]

    public init(allowPrivateAddresses: Bool = false, allowedSources: [SourcePattern] = []) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.allowedSources = allowedSources
    }

    /// The policy of an agent configuration.
    public init(_ network: AgentConfiguration.Network) {
        self.init(allowPrivateAddresses: network.allowPrivateAddresses, allowedSources: network.allowedSources)
    }

    /// Every address allowed: for `vantage root update`, whose URL the operator typed. Never for an agent.
    public static let unrestricted = DestinationPolicy(allowPrivateAddresses: true)

    /// Whether a connection to `host`, which is or resolves to `addresses`, is allowed.
    /// - Parameter host: the host as it appears in the URL (brackets trimmed); named in the reason.
    public func check(host: String, addresses: [IPAddress]) -> Verdict {
        if allowPrivateAddresses { return .allowed }
        let name = ServerText.clip(host, limit: 100)
        guard !addresses.isEmpty else { return .forbidden("destination \(name) has no address to check") }
        for address in addresses {
            guard let refused = address.nonPublicClass else { continue }
            let what = address.embeddedIPv4 != nil && refused != .unspecified ? "an IPv6 form of \(refused.rawValue)" : refused.rawValue
            let subject = IPAddress(literal: host) == address ? "destination \(address)" : "destination \(name) resolves to \(address), which"
            return .forbidden("\(subject) is \(what); set network.allow_private_addresses to allow it")
        }
        return .allowed
    }

    /// Whether a target URL a coordinator listed may be probed (`network.allowed_sources`).
    public func checkCoordinatorTarget(url: String) -> Verdict {
        if allowedSources.contains(where: { $0.admits(url) }) { return .allowed }
        let shown = ServerText.clip(url, limit: 200)
        if allowedSources.isEmpty {
            return .forbidden("coordinator-supplied target \(shown) not probed: network.allowed_sources is empty")
        }
        return .forbidden("coordinator-supplied target \(shown) matches no pattern of network.allowed_sources")
    }

    /// Whether a request made for a coordinator-supplied target — its URL, each redirect hop, a Notary token
    /// realm — may go to `url`: the same `network.allowed_sources` match as ``checkCoordinatorTarget(url:)``,
    /// on the URL without its query (a token URL carries one, a source URL never does).
    public func checkCoordinatorRequest(url: String) -> Verdict {
        let withoutQuery = String(url.prefix { $0 != "?" && $0 != "#" })
        if allowedSources.contains(where: { $0.admits(withoutQuery) }) { return .allowed }
        let host = ServerText.clip(URL(string: url)?.host ?? "(none)", limit: 100)
        return .forbidden(
            "host \(host) matches no pattern of network.allowed_sources, which every request for a coordinator-supplied target must match")
    }
}
