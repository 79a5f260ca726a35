import VantageTUF

/// An image reference as users write it (`ubuntu`, `ghcr.io/org/app:1.2.3`, `127.0.0.1:5000/team/app:v1@sha256:…`),
/// in the one normal form an `oci` target's source is compared in.
///
/// Parsing follows the distribution reference grammar: the first path component is a registry host when it contains
/// `.` or `:` or is `localhost`; otherwise the image is on Docker Hub, where a one-component name is under `library/`.
/// `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry, shown as `docker.io` and reached at
/// `https://registry-1.docker.io`. No tag means `latest`. Host names are lower-cased and port 443 is dropped, so every
/// spelling of one source gives equal values.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry as people write it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    public private(set) var registry: String
    /// Where the registry's API is: `https://registry-1.docker.io`, `https://127.0.0.1:5000` (always https; in
    /// ``RepositorySource/normalise(_:)`` form).
    public private(set) var apiBaseURL: String
    /// The repository path: `library/ubuntu`, `org/app`.
    public private(set) var repository: String
    /// The tag; `latest` when none was written.
    public private(set) var tag: String
    /// `sha256:` and 64 lower-case hex digits, when the reference names a digest.
    public private(set) var digest: String?

    /// The display name of Docker Hub.
    public static let dockerHub = "docker.io"
    /// Docker Hub's API base URL.
    public static let dockerHubAPI = "https://registry-1.docker.io"
    /// Longest accepted reference as written, in bytes.
    public static let maxLength = 512
    /// Longest accepted ``name`` (registry and repository), as in distribution.
    public static let maxNameLength = 255

    static let hubHosts: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    /// `docker.io/library/ubuntu`.
    public var name: String { "\(registry)/\(repository)" }

    /// `docker.io/library/ubuntu:24.04`: the tag this reference names, without any digest.
    public var canonical: String { "\(name):\(tag)" }

    /// ``canonical``, followed by `@` and the digest when there is one.
    public var description: String { digest.map { "\(canonical)@\($0)" } ?? canonical }

    /// `docker.io/library/ubuntu:24.04@sha256:…`: this tag pinned to `digest`.
    /// - Parameter digest: `sha256:` and 64 lower-case hex digits.
    /// - Returns: `nil` when `digest` is not in that form.
    public func pinned(digest: String) -> String? {
        Self.isDigest(digest) ? "\(canonical)@\(digest)" : nil
    }

    /// Whether `text` is a digest Vantage accepts: `sha256:` and 64 lower-case hex digits.
    public static func isDigest(_ text: some StringProtocol) -> Bool {
        text.hasPrefix("sha256:") && ByteEncoding.isSHA256Hex(String(text.dropFirst(7)))
    }

    /// Parses a reference as written; throws what ``parse(_:)`` returns as a failure.
    public init(parsing text: String) throws(CoreError) {
        self = try Self.parse(text).get()
    }

    /// Parses a reference as written.
    /// - Returns: the reference, or a ``CoreError`` (`malformed_document`) whose reason names the rule broken:
    ///   empty, longer than ``maxLength`` bytes, a space, control byte or non-ASCII byte, an empty or invalid
    ///   (upper-case, `..`) path component, an invalid host, port, tag or digest, or a name longer than
    ///   ``maxNameLength``.
    public static func parse(_ text: String) -> Result<ImageReference, CoreError> {
        Result { () throws(CoreError) in try ImageReference(checking: text) }
    }

    /// The reference a target's source stands for, for display: the inverse of ``apiBaseURL``, ``repository`` and
    /// ``tag`` (`https://registry-1.docker.io`, `library/ubuntu`, `24.04` → `docker.io/library/ubuntu:24.04`).
    /// - Returns: `nil` unless parsing the result gives back the same repository and tag (a source not in normal
    ///   form, such as Docker Hub's `ubuntu` without `library/`, or a URL with a path, has no reference).
    public static func fromSource(apiBaseURL: String, repository: String, tag: String) -> ImageReference? {
        guard let url = RepositorySource.normalise(apiBaseURL), url.hasPrefix("https://") else { return nil }
        let host = url == dockerHubAPI ? dockerHub : String(url.dropFirst("https://".count))
        guard !host.contains("/"), case .success(let reference) = parse("\(host)/\(repository):\(tag)"),
            reference.repository == repository, reference.tag == tag
        else { return nil }
        return reference
    }

    /// This reference without its digest: the tag alone, as pins are looked up.
    public var withoutDigest: ImageReference {
        var copy = self
        copy.digest = nil
        return copy
    }

    private init(checking text: String) throws(CoreError) {
        func refuse(_ why: String) -> CoreError {
            CoreError(.malformedDocument, "image reference \(String(reflecting: String(text.prefix(80)))): \(why)")
        }
        guard !text.isEmpty else { throw refuse("empty") }
        guard text.utf8.count <= Self.maxLength else { throw refuse("longer than \(Self.maxLength) bytes") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw refuse("contains a space, a control byte or a non-ASCII character")
        }
        let written = Self.split(text[...])
        if let digest = written.digest, !Self.isDigest(digest) {
            throw refuse("digest must be sha256: and 64 lower-case hex digits")
        }
        if let tag = written.tag, !ImageGrammar.isValidTag(String(tag)) {
            throw refuse("tag must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with . or -")
        }
        var components = written.name.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: \.isEmpty) else { throw refuse("empty path component") }
        var registry = Self.dockerHub
        if components.count > 1, components[0].contains(where: { $0 == "." || $0 == ":" }) || components[0] == "localhost" {
            guard let host = Self.normalisedHost(components.removeFirst()) else {
                throw refuse("registry must be a host name or IPv4 address with an optional port 1-65535")
            }
            registry = Self.hubHosts.contains(host) ? Self.dockerHub : host
        }
        if let bad = components.first(where: { !ImageGrammar.isValidComponent($0) }) {
            throw refuse(
                bad.contains(where: \.isUppercase)
                    ? "repository names are lower-case" : "invalid path component \(String(reflecting: String(bad)))")
        }
        if registry == Self.dockerHub, components.count == 1 { components.insert("library", at: 0) }
        let repository = components.joined(separator: "/")
        guard registry.utf8.count + 1 + repository.utf8.count <= Self.maxNameLength else {
            throw refuse("name longer than \(Self.maxNameLength) bytes")
        }
        self.registry = registry
        self.repository = repository
        tag = written.tag.map(String.init) ?? "latest"
        digest = written.digest.map(String.init)
        guard let url = registry == Self.dockerHub ? Self.dockerHubAPI : RepositorySource.normalise("https://\(registry)")
        else { throw refuse("registry is not a valid https host") }
        apiBaseURL = url
    }

    /// The parts of a reference as written, without their `:` and `@`.
    struct Written {
        var name: Substring
        var tag: Substring?
        var digest: Substring?
    }

    /// Splits `NAME[:TAG][@DIGEST]`: the digest after the first `@`, the tag after a `:` that follows the last `/`
    /// (a `:` before it is a registry port).
    static func split(_ text: Substring) -> Written {
        var name = text
        var digest: Substring?
        if let at = name.firstIndex(of: "@") {
            digest = name[name.index(after: at)...]
            name = name[..<at]
        }
        var tag: Substring?
        if let colon = name.lastIndex(of: ":"), name.lastIndex(of: "/").map({ colon > $0 }) ?? true {
            tag = name[name.index(after: colon)...]
            name = name[..<colon]
        }
        return Written(name: name, tag: tag, digest: digest)
    }

    /// `host[:port]` lower-cased with port 443 dropped, or `nil` when the host is not dot-separated labels of
    /// letters, digits and inner hyphens, or the port is not 1-65535.
    static func normalisedHost(_ text: Substring) -> String? {
        var host = text
        var port: Int?
        if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            let digits = text[text.index(after: colon)...]
            guard (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = Int(digits), (1...65535).contains(number)
            else { return nil }
            port = number
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let validLabel = { (label: Substring) -> Bool in
            guard let first = label.utf8.first, let last = label.utf8.last, label.utf8.count <= 63 else { return false }
            return ImageGrammar.isAlphanumeric(first) && ImageGrammar.isAlphanumeric(last)
                && label.utf8.allSatisfy { ImageGrammar.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
        guard labels.allSatisfy(validLabel) else { return nil }
        let lower = host.lowercased()
        return port.map { $0 == 443 ? lower : "\(lower):\($0)" } ?? lower
    }
}
