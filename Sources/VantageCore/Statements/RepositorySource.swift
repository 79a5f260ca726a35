/// Where a root, manifest or file came from (DESIGN.md trust property 2): the target kind, the normalised URL an
/// agent fetched and, for Notary, the GUN, for an image tag its repository and tag. Every attestation and approval
/// signs it, and a client compares it with the source its own client will use, so a pin cannot be moved to another
/// repository, tag, registry or URL.
public struct RepositorySource: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: TargetSpec.Kind
    /// ``RepositorySource/normalise(_:)`` of the Notary server or TUF metadata base URL, the registry's API base URL
    /// (`https://registry-1.docker.io`) or the file's URL.
    public var url: String
    /// The Notary GUN; `nil` for other kinds.
    public var gun: String?
    /// `oci`: the repository (`library/ubuntu`); `nil` for other kinds (and then absent from the signed bytes).
    public var repository: String?
    /// `oci`: the tag (`24.04`).
    public var tag: String?

    /// A source from a URL as written; `nil` when the URL cannot be normalised (see ``normalise(_:)``).
    public init?(kind: TargetSpec.Kind, url: String, gun: String?, repository: String? = nil, tag: String? = nil) {
        guard let normalised = Self.normalise(url) else { return nil }
        self.init(kind: kind, normalisedURL: normalised, gun: kind == .notary ? gun : nil, repository: repository, tag: tag)
    }

    /// A source whose URL is already normalised (decoded documents); checked by ``problem``.
    public init(kind: TargetSpec.Kind, normalisedURL: String, gun: String?, repository: String? = nil, tag: String? = nil) {
        self.kind = kind
        url = normalisedURL
        self.gun = gun
        self.repository = kind == .oci ? repository : nil
        self.tag = kind == .oci ? tag : nil
    }

    /// Why this decoded source is not in normal form, or `nil`.
    public var problem: String? {
        if Self.normalise(url) != url { return "source url \(url.prefix(200)) is not normalised" }
        if kind == .notary, (gun ?? "").isEmpty { return "a notary source needs a gun" }
        if kind != .notary, gun != nil { return "a \(kind.rawValue) source has no gun" }
        return Self.imageProblem(kind: kind, repository: repository, tag: tag)
    }

    /// Why `repository` and `tag` do not fit `kind`: an `oci` source needs both, in the distribution grammar
    /// (``ImageGrammar``); other kinds have neither.
    static func imageProblem(kind: TargetSpec.Kind, repository: String?, tag: String?) -> String? {
        guard kind == .oci else {
            return repository == nil && tag == nil ? nil : "a \(kind.rawValue) source has no repository or tag"
        }
        guard let repository, ImageGrammar.isValidRepository(repository) else {
            return "an oci source needs a repository of lower-case components [a-z0-9]+([._-][a-z0-9]+)* joined by /"
        }
        guard let tag, ImageGrammar.isValidTag(tag) else { return "an oci source needs a tag [A-Za-z0-9_][A-Za-z0-9._-]{0,127}" }
        return nil
    }

    /// A stable string key for this source (canonical JSON), for stores that keep state per source.
    public var storageKey: String { String(decoding: (try? Canonical.bytes(of: self)) ?? [], as: UTF8.self) }

    public var description: String {
        switch kind {
        case .notary: "notary \(url) gun \(gun ?? "")"
        case .oci: "oci \(url) \(repository ?? ""):\(tag ?? "")"
        case .tuf, .file: "\(kind.rawValue) \(url)"
        }
    }

    /// What ``normalise(_:)`` accepts, in words, for refusal messages.
    public static let acceptedForm =
        "http(s)://host[:port][/path] with no user info, query, fragment, dot segments or percent-encoded . / \\"

    /// The comparable form of an http(s) URL: lower-case scheme and host, the default port (443, 80) dropped,
    /// no trailing slash, and one spelling of each path byte (see ``normalisedPath(_:)``). `nil` for anything
    /// else: another scheme, user info, a query or fragment, an empty host, a `%` in the host, a port that is not
    /// a number in 1...65535, bytes outside printable ASCII, dot segments (``isDotSegment(_:)``), or a percent-encoded
    /// `.`, `/` or `\`.
    public static func normalise(_ url: String) -> String? {
        guard url.utf8.count <= 2048, url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon].lowercased()
        guard scheme == "https" || scheme == "http" else { return nil }
        let rest = url[url.index(colon, offsetBy: 3)...]
        if rest.contains("?") || rest.contains("#") || rest.contains("\\") { return nil }
        let authority = rest.prefix { $0 != "/" }
        guard var path = normalisedPath(rest.dropFirst(authority.count)) else { return nil }
        // A percent-encoded host is another spelling of a host name (or an IPv6 zone): one host, one string.
        if authority.isEmpty || authority.contains("@") || authority.contains("%") { return nil }
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
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: isDotSegment) { return nil }
        return "\(scheme)://\(host.lowercased())\(path)"
    }

    /// `path` with each percent-encoding in one form: an unreserved character (letter, digit, `-`, `_`, `~`)
    /// decoded, anything else kept encoded with upper-case hex — so `%41`, `A` and `%7e`, `~` are one path, and
    /// `%3a`, `%3A` another. `nil` for a malformed encoding, or one of `.`, `/` or `\`: a server that decodes
    /// before resolving (python, nginx) would read `%2e%2e` or `..%2f` as a dot segment, leaving the prefix that
    /// `network.allowed_sources` admitted.
    static func normalisedPath(_ path: Substring) -> String? {
        var bytes = Array(path.utf8)[...]
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = bytes.popFirst().flatMap(hexValue), let low = bytes.popFirst().flatMap(hexValue) else { return nil }
            let decoded = high << 4 | low
            if neverEncoded.contains(decoded) { return nil }
            if unreserved.contains(decoded) {
                out.append(decoded)
            } else {
                out += [UInt8(ascii: "%"), upperHex[Int(decoded >> 4)], upperHex[Int(decoded & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a server may resolve `segment` (of a normalised path) as `.` or `..`: servlet containers (Tomcat,
    /// Spring) drop a segment's path parameters before resolving, so `..;x` is `..` — and they decode first, so `%3B`
    /// (the only spelling of an encoded `;` after ``normalisedPath(_:)``) starts parameters too. `x..;` and `a;b` are
    /// ordinary segments.
    static func isDotSegment(_ segment: Substring) -> Bool {
        let name = segment.replacing("%3B", with: ";").prefix { $0 != ";" }
        return name == "." || name == ".."
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static let upperHex = Array("0123456789ABCDEF".utf8)
    /// Bytes that must not hide behind a percent-encoding in a path: `.`, `/`, `\`.
    static let neverEncoded: Set<UInt8> = [0x2E, 0x2F, 0x5C]
    /// RFC 3986 unreserved characters other than `.` (refused above).
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~".utf8)
}

extension TargetSpec {
    /// The repository source this target fetches from; `nil` when its URL cannot be normalised.
    public var source: RepositorySource? { RepositorySource(kind: kind, url: url, gun: gun, repository: repository, tag: tag) }
}
