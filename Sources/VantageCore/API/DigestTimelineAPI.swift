/// When the agents saw one digest of an `oci` or `file` target: a line of `vantage history`'s digest timeline, which a
/// registry does not keep for its tags.
///
/// Per agent, its first sight of the digest is the earliest `first_seen` and its last sight the latest `last_seen` of
/// its spans with that digest. ``quorumFirstSeen`` is the `quorum`-th earliest first sight: the first moment by which
/// `quorum` distinct agents had each reported the digest. ``quorumLastSeen`` is the `quorum`-th latest last sight: the
/// last moment at which `quorum` distinct agents had each reported it then or later. Both count agents, not regions,
/// and do not require the agents to have seen the digest at the same time (so when sightings do not overlap,
/// ``quorumLastSeen`` may precede ``quorumFirstSeen``); both are `nil` while fewer than `quorum` agents ever reported it.
public struct DigestSighting: Sendable, Hashable, Codable {
    public var sha256: String
    /// Earliest report of the digest by any agent.
    public var firstSeen: Timestamp
    /// Latest report of the digest by any agent.
    public var lastSeen: Timestamp
    /// Distinct agents that reported it.
    public var agents: Int
    public var quorumFirstSeen: Timestamp?
    public var quorumLastSeen: Timestamp?

    public init(sha256: String, firstSeen: Timestamp, lastSeen: Timestamp, agents: Int, quorumFirstSeen: Timestamp?, quorumLastSeen: Timestamp?) {
        self.sha256 = sha256
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.agents = agents
        self.quorumFirstSeen = quorumFirstSeen
        self.quorumLastSeen = quorumLastSeen
    }

    enum CodingKeys: String, CodingKey {
        case sha256, agents
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case quorumFirstSeen = "quorum_first_seen"
        case quorumLastSeen = "quorum_last_seen"
    }

    /// The timeline of the digests in `spans` (error spans are not digests), ordered by ``firstSeen``, then digest.
    /// - Parameter quorum: distinct agents that make a quorum (at least 1).
    public static func timeline(of spans: [SpanRecord], quorum: Int) -> [DigestSighting] {
        var sightings: [String: [String: (first: Timestamp, last: Timestamp)]] = [:]
        for span in spans {
            guard let sha256 = span.outcome.sha256 else { continue }
            let seen = sightings[sha256, default: [:]][span.agent]
            sightings[sha256, default: [:]][span.agent] = (
                min(seen?.first ?? span.firstSeen, span.firstSeen), max(seen?.last ?? span.lastSeen, span.lastSeen)
            )
        }
        let needed = max(quorum, 1)
        return sightings.map { sha256, byAgent in
            let firsts = byAgent.values.map(\.first).sorted()
            let lasts = byAgent.values.map(\.last).sorted(by: >)
            return DigestSighting(
                sha256: sha256, firstSeen: firsts[0], lastSeen: lasts[0], agents: byAgent.count,
                quorumFirstSeen: firsts.count >= needed ? firsts[needed - 1] : nil,
                quorumLastSeen: lasts.count >= needed ? lasts[needed - 1] : nil)
        }.sorted { ($0.firstSeen, $0.sha256) < ($1.firstSeen, $1.sha256) }
    }
}
