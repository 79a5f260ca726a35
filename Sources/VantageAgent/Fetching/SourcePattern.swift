import Foundation
import VantageClient
import VantageCore

/// One entry of `network.allowed_sources`: which coordinator-supplied target URLs the agent may probe.
///
/// - A **host pattern**, `notary.example.com` or `*.example.com` (any subdomain, not `example.com` itself),
///   optionally with `:port`, admits `https` URLs on that host and port (443 when none is given).
/// - A **URL prefix**, `https://tuf.example.com/metadata`, admits URLs that equal it or continue it at a path
///   segment boundary (`…/metadata/x`, never `…/metadata-other`); both sides are compared after
///   ``VantageCore/RepositorySource/normalise(_:)``, so case of scheme and host, default ports and trailing
///   slashes do not matter. `http` is admitted only through a URL prefix that says `http://`.
public enum SourcePattern: Sendable, Hashable, CustomStringConvertible {
    /// Exactly this host (lower case, IPv6 in brackets) on `port`.
    case host(String, port: Int)
    /// Any subdomain of `domain` (lower case, no leading dot) on `port`.
    case subdomains(of: String, port: Int)
    /// A normalised http(s) URL.
    case urlPrefix(String)

    /// Parses one pattern; the error text says what is wrong (the loader prefixes the key).
    public static func parse(_ text: String) -> Result<SourcePattern, PatternError> {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.contains("://") {
            guard !text.contains("*") else { return .failure(.init("\(text): a URL prefix cannot contain *")) }
            guard let normalised = RepositorySource.normalise(text) else {
                return .failure(.init("\(text) is not a URL prefix of the form \(RepositorySource.acceptedForm)"))
            }
            return .success(.urlPrefix(normalised))
        }
        var host = text.lowercased()
        var port = 443
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return .failure(.init("\(text): unclosed [")) }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Self.port(after.dropFirst()) else {
                    return .failure(.init("\(text): bad port"))
                }
                port = number
            }
            host = String(host[...close])
            guard IPAddress(literal: host) != nil else { return .failure(.init("\(text) is not an IPv6 address in brackets")) }
            return .success(.host(host, port: port))
        }
        if let colon = host.lastIndex(of: ":") {
            guard let number = Self.port(host[host.index(after: colon)...]) else { return .failure(.init("\(text): bad port")) }
            port = number
            host = String(host[..<colon])
        }
        var wildcard = false
        if host.hasPrefix("*.") {
            wildcard = true
            host.removeFirst(2)
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !host.isEmpty && host.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { Self.labelCharacters.contains($0) }
            }
        guard valid else {
            return .failure(.init(
                "\(text) is neither a host pattern (notary.example.com, *.example.com, optional :port) nor an http(s) URL prefix"))
        }
        return .success(wildcard ? .subdomains(of: host, port: port) : .host(host, port: port))
    }

    /// The error of ``parse(_:)``.
    public struct PatternError: Error, Sendable, Hashable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Whether `url` (as a coordinator sent it) is admitted by this pattern. A URL that does not normalise is
    /// admitted by nothing.
    public func admits(_ url: String) -> Bool {
        guard let normalised = RepositorySource.normalise(url) else { return false }
        switch self {
        case .urlPrefix(let prefix):
            return normalised == prefix || normalised.hasPrefix(prefix + "/")
        case .host(let name, let port):
            guard let (host, urlPort) = Self.httpsAuthority(normalised) else { return false }
            return host == name && urlPort == port
        case .subdomains(let domain, let port):
            guard let (host, urlPort) = Self.httpsAuthority(normalised) else { return false }
            return host.hasSuffix("." + domain) && urlPort == port
        }
    }

    public var description: String {
        switch self {
        case .host(let name, let port): port == 443 ? name : "\(name):\(port)"
        case .subdomains(let domain, let port): port == 443 ? "*.\(domain)" : "*.\(domain):\(port)"
        case .urlPrefix(let prefix): prefix
        }
    }

    /// Host and port of a normalised `https` URL; `nil` for `http`.
    static func httpsAuthority(_ normalised: String) -> (String, Int)? {
        guard normalised.hasPrefix("https://") else { return nil }
        let authority = normalised.dropFirst("https://".count).prefix { $0 != "/" }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let after = authority[authority.index(after: close)...]
            return (String(authority[...close]), after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 443)
        }
        if let colon = authority.lastIndex(of: ":") {
            return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]) ?? -1)
        }
        return (String(authority), 443)
    }

    static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let n = Int(text),
            (1...65535).contains(n)
        else { return nil }
        return n
    }

    static let labelCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-_".unicodeScalars)
}
