/// Where a root came from (DESIGN.md trust property 2): the repository kind, the normalised URL an agent fetched
/// and, for Notary, the GUN. Every attestation and approval signs it, and a client compares it with the source
/// its own TUF client will use, so a pin cannot be moved to another repository.
public struct RepositorySource: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: TargetSpec.Kind
    /// ``RepositorySource/normalise(_:)`` of the Notary server or TUF metadata base URL.
    public var url: String
    /// The Notary GUN; `nil` for TUF.
    public var gun: String?

    /// A source from a URL as written; `nil` when the URL cannot be normalised (see ``normalise(_:)``).
    public init?(kind: TargetSpec.Kind, url: String, gun: String?) {
        guard let normalised = Self.normalise(url) else { return nil }
        self.kind = kind
        self.url = normalised
        self.gun = kind == .notary ? gun : nil
    }

    /// A source whose URL is already normalised (decoded documents); checked by ``problem``.
    public init(kind: TargetSpec.Kind, normalisedURL: String, gun: String?) {
        self.kind = kind
        url = normalisedURL
        self.gun = gun
    }

    /// Why this decoded source is not in normal form, or `nil`.
    public var problem: String? {
        if Self.normalise(url) != url { return "source url \(url.prefix(200)) is not normalised" }
        if kind == .notary, (gun ?? "").isEmpty { return "a notary source needs a gun" }
        if kind == .tuf, gun != nil { return "a tuf source has no gun" }
        return nil
    }

    /// A stable string key for this source (canonical JSON), for stores that keep state per source.
    public var storageKey: String { String(decoding: (try? Canonical.bytes(of: self)) ?? [], as: UTF8.self) }

    public var description: String {
        kind == .notary ? "notary \(url) gun \(gun ?? "")" : "tuf \(url)"
    }

    /// The comparable form of an http(s) URL: lower-case scheme and host, the default port (443, 80) dropped,
    /// no trailing slash. `nil` for anything else: another scheme, user info, a query or fragment, an empty host,
    /// a port that is not a number in 1...65535, bytes outside printable ASCII, or dot segments.
    public static func normalise(_ url: String) -> String? {
        guard url.utf8.count <= 2048, url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon].lowercased()
        guard scheme == "https" || scheme == "http" else { return nil }
        let rest = url[url.index(colon, offsetBy: 3)...]
        if rest.contains("?") || rest.contains("#") || rest.contains("\\") { return nil }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        if authority.isEmpty || authority.contains("@") { return nil }
        var host = String(authority)
        var port: String?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                port = String(after.dropFirst())
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            port = String(host[host.index(after: colon)...])
            host = String(host[..<colon])
        }
        guard !host.isEmpty, host != "[]" else { return nil }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
                let number = Int(port), (1...65535).contains(number)
            else { return nil }
            let isDefault = (scheme == "https" && number == 443) || (scheme == "http" && number == 80)
            host += isDefault ? "" : ":\(number)"
        }
        while path.hasSuffix("/") { path.removeLast() }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) { return nil }
        return "\(scheme)://\(host.lowercased())\(path)"
    }
}

extension TargetSpec {
    /// The repository source this target fetches from; `nil` when its URL cannot be normalised.
    public var source: RepositorySource? { RepositorySource(kind: kind, url: url, gun: gun) }
}
