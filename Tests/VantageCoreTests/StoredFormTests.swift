import Testing
import VantageCore

/// Every typed state value against exactly the text the wire and the database held before it was typed: a renamed
/// case fails here instead of silently changing a column, a JSON field or a script's match.
@Suite struct StoredFormTests {
    static let digest = String(repeating: "ab", count: 32)

    @Test("span outcomes keep their stored text", arguments: [
        (SpanOutcome.root(sha256: digest), digest),
        (.error("timeout"), "error:timeout"),
        (.error("http_status 404"), "error:http_status 404"),
        (.error("unknown"), "error:unknown"),
    ])
    func spanOutcome(outcome: SpanOutcome, stored: String) {
        #expect(outcome.rawValue == stored)
        #expect(SpanOutcome(rawValue: stored) == outcome)
        #expect(stored.hasPrefix(SpanOutcome.errorPrefix) == (outcome.sha256 == nil))
    }
}
