import VantageCore

/// What an `oci` or `file` fetch found: the facts an observation reports, and the exact bytes behind them.
public struct FetchedContent: Sendable, Hashable {
    public var facts: ContentFacts
    /// The exact bytes received; `nil` when a `HEAD` confirmed that the registry still names the digest of the
    /// `known` facts, so nothing was fetched.
    public var bytes: [UInt8]?

    public init(facts: ContentFacts, bytes: [UInt8]?) {
        self.facts = facts
        self.bytes = bytes
    }
}
