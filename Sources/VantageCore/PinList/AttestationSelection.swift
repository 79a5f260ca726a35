/// Which stored attestations a coordinator publishes with a pin (DESIGN.md trust property 1): a bounded set that
/// satisfies `quorum` and `min_regions` whenever the candidates allow it — so several agents in one region can
/// never crowd out the regions a client needs — preferring verified continuations and then the freshest.
public enum AttestationSelection {
    /// One agent's candidate attestation and the region the coordinator enrolled it in.
    public struct Candidate: Sendable, Hashable {
        public var attestation: Attestation
        public var region: String

        public init(attestation: Attestation, region: String) {
            self.attestation = attestation
            self.region = region
        }
    }

    /// At most `max(bound, quorum)` attestations, one per agent, that meet `quorum` agents from `minRegions`
    /// regions — with verified continuations alone when that is possible — or `nil` when no subset can.
    public static func select(_ candidates: [Candidate], quorum: Int, minRegions: Int, bound: Int) -> [Attestation]? {
        // One per agent: its best (continuation first, then freshest) attestation.
        var best: [String: Candidate] = [:]
        for candidate in candidates {
            if let seen = best[candidate.attestation.agent], !precedes(candidate, seen) { continue }
            best[candidate.attestation.agent] = candidate
        }
        let ranked = best.values.sorted(by: precedes)
        let continuing = ranked.filter { $0.attestation.continuity.isVerifiedContinuation }
        let limit = max(bound, quorum)
        if let chosen = cover(continuing, quorum: quorum, minRegions: minRegions, limit: limit) { return chosen }
        return cover(ranked, quorum: quorum, minRegions: minRegions, limit: limit)
    }

    /// The first of each region until `minRegions` regions are covered, then the rest in rank order, up to `limit`.
    static func cover(_ ranked: [Candidate], quorum: Int, minRegions: Int, limit: Int) -> [Attestation]? {
        guard QuorumRule(quorum: quorum, minRegions: minRegions).isMet(agents: ranked.count, regions: ranked.map(\.region)) else { return nil }
        var chosen: [Candidate] = []
        var regions = Set<String>()
        for candidate in ranked where regions.count < minRegions && !regions.contains(candidate.region) {
            regions.insert(candidate.region)
            chosen.append(candidate)
        }
        for candidate in ranked where chosen.count < limit && !chosen.contains(candidate) { chosen.append(candidate) }
        return chosen.sorted(by: precedes).map(\.attestation)
    }

    static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
        let (x, y) = (a.attestation, b.attestation)
        if x.continuity.isVerifiedContinuation != y.continuity.isVerifiedContinuation { return x.continuity.isVerifiedContinuation }
        if x.observedAt != y.observedAt { return x.observedAt > y.observedAt }
        return x.agent < y.agent
    }
}
