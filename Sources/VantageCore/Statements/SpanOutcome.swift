/// What one observation came to, as a span of the coordinator's history stores it: the root digest the agent saw,
/// or the kind of its failure. ``rawValue`` is the one stored text form (`spans.outcome`): the digest itself, or
/// `error:<kind>` (`error:http_status 404` keeps the HTTP status an operator reads in `vantage query`); JSON carries
/// the same text.
public enum SpanOutcome: Sendable, Hashable, RawRepresentable, Codable {
    /// A root was fetched: its SHA-256 (lowercase hex).
    case root(sha256: String)
    /// No root: the failure's kind as text (`timeout`, `http_status 404`).
    case error(String)

    /// The prefix of an error's stored form, for SQL that tells digests from errors (`outcome NOT LIKE 'error:%'`).
    public static let errorPrefix = "error:"

    public init(rawValue: String) {
        self = rawValue.hasPrefix(Self.errorPrefix) ? .error(String(rawValue.dropFirst(Self.errorPrefix.count))) : .root(sha256: rawValue)
    }

    public var rawValue: String {
        switch self {
        case .root(let sha256): sha256
        case .error(let kind): Self.errorPrefix + kind
        }
    }

    /// The digest, or `nil` for an error.
    public var sha256: String? {
        if case .root(let sha256) = self { return sha256 }
        return nil
    }

    /// The error's kind text, or `nil` for a root.
    public var errorKind: String? {
        if case .error(let kind) = self { return kind }
        return nil
    }
}
