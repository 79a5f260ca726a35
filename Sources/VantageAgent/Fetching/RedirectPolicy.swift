import Foundation

/// Which redirects the agent follows: to `https` only (never to plain `http`, whatever the origin), at most
/// `maxHops` per request, with a `Location` that resolves to an absolute URL. Whether the new destination may be
/// reached (its address, and for a coordinator-supplied target `network.allowed_sources`) is
/// ``DestinationPolicy``'s call, made by the getter before the hop.
///
/// A `Location` is server-controlled: reasons quote it only through ``ServerText/clip(_:limit:)``.
public enum RedirectPolicy {
    /// The verdict on one redirect answer.
    public enum Decision: Sendable, Hashable {
        case follow(String)
        case reject(String)
    }

    /// Statuses treated as redirects.
    public static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// Decides whether to follow a redirect from `from` to `location` after `hopsSoFar` hops.
    public static func decide(from: String, location: String?, hopsSoFar: Int, maxHops: Int) -> Decision {
        guard let location, !location.isEmpty else { return .reject("redirect from \(ServerText.clip(from)) without a Location header") }
        let shown = ServerText.clip(location)
        guard hopsSoFar < maxHops else { return .reject("more than \(maxHops) redirects (last to \(shown))") }
        guard let base = URL(string: from), let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = target.scheme?.lowercased(), let host = target.host, !host.isEmpty
        else { return .reject("redirect to an invalid Location \(shown)") }
        guard scheme == "https" else {
            return .reject("redirect to \(ServerText.clip(scheme, limit: 20)):// refused (https only): \(ServerText.clip(target.absoluteString))")
        }
        return .follow(target.absoluteString)
    }

    /// Whether a redirect from `from` to `to` leaves the origin (then credentials are not forwarded).
    public static func changesOrigin(from: String, to: String) -> Bool {
        guard let a = URL(string: from), let b = URL(string: to) else { return true }
        return a.scheme?.lowercased() != b.scheme?.lowercased() || a.host?.lowercased() != b.host?.lowercased()
            || a.port != b.port
    }
}
