import Testing
import VantageCore

/// `DigestSighting.timeline`: per digest, the first and last sight by any agent and by a quorum of distinct agents.
@Suite struct DigestTimelineTests {
    static let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)

    static func span(_ agent: String, _ sha256: String?, _ first: Int64, _ last: Int64) -> SpanRecord {
        SpanRecord(
            agent: agent, outcome: sha256.map { .root(sha256: $0) } ?? .error("timeout"), firstSeen: Timestamp(seconds: first),
            lastSeen: Timestamp(seconds: last), count: 1)
    }

    @Test func quorumTimesCountDistinctAgents() {
        let spans = [
            // x saw a twice (two spans around an error): one agent, its earliest first and latest last sight.
            Self.span("x", Self.a, 100, 110), Self.span("x", nil, 111, 120), Self.span("x", Self.a, 121, 400),
            Self.span("y", Self.a, 150, 300), Self.span("z", Self.a, 200, 250),
            // Only y ever saw b: no quorum of 2.
            Self.span("y", Self.b, 301, 350),
        ]
        let timeline = DigestSighting.timeline(of: spans, quorum: 2)
        #expect(
            timeline == [
                DigestSighting(
                    sha256: Self.a, firstSeen: Timestamp(seconds: 100), lastSeen: Timestamp(seconds: 400), agents: 3,
                    quorumFirstSeen: Timestamp(seconds: 150), quorumLastSeen: Timestamp(seconds: 300)),
                DigestSighting(
                    sha256: Self.b, firstSeen: Timestamp(seconds: 301), lastSeen: Timestamp(seconds: 350), agents: 1, quorumFirstSeen: nil,
                    quorumLastSeen: nil),
            ])
        // Control: a quorum of one dates b by y alone; a quorum of 3 dates a by its third agent.
        #expect(DigestSighting.timeline(of: spans, quorum: 1)[1].quorumFirstSeen == Timestamp(seconds: 301))
        #expect(DigestSighting.timeline(of: spans, quorum: 3)[0].quorumFirstSeen == Timestamp(seconds: 200))
        #expect(DigestSighting.timeline(of: spans, quorum: 3)[0].quorumLastSeen == Timestamp(seconds: 250))
        #expect(DigestSighting.timeline(of: [Self.span("x", nil, 1, 2)], quorum: 1).isEmpty)
    }
}
