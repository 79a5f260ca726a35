import Crypto
import VantageTUF

/// The pure publication planner: the pins due for (re)building, their stored attestations (with the key each was
/// verified under at ingest), verified approvals, the coordinator's own ``TrustPolicy`` and an explicit `now` in; a
/// ``PublicationPlan`` out — the pins that change in the list, the pins left out and why, `pin_unsupported` events and
/// conditions, and when each pin next needs fresh attestations. A pin is published only when the client's check
/// (``PinListVerifier/checkPin(_:expected:issuedAt:now:preverified:)``, the support rule ``AgentSupport``) accepts
/// it, so clients never get a pin they would refuse.
///
/// Clients count attestations at most `max_age` old at their own clock, so a pin is rebuilt when its oldest
/// attestation is half of `max_age` old, which spreads the refresh of every pin over time.
public struct PublicationPlanner: Sendable {
    /// The coordinator's own trust policy: its enrolled agents and their keys, approvers, quorum rules.
    public let policy: TrustPolicy
    /// For the `pin_unsupported` events (``ConsensusPlanner/publicationHealth(target:supported:stored:now:)``).
    public var consensus: ConsensusPolicy
    /// The client's check over `policy`, made once per planner: it validates the policy and indexes its targets.
    let verifier: PinListVerifier

    public init(policy: TrustPolicy, consensus: ConsensusPolicy) {
        self.policy = policy
        self.consensus = consensus
        verifier = PinListVerifier(policy: policy)
    }

    /// An attestation as stored: its agent's enrolled region and what ingest verified it under
    /// (``verifiedKeyID(_:source:)``; `nil` for rows stored before key ids were kept: verified here once, as before).
    public struct StoredAttestation: Sendable, Hashable {
        public var attestation: Attestation
        public var region: String
        public var keyID: String?

        public init(attestation: Attestation, region: String, keyID: String?) {
            self.attestation = attestation
            self.region = region
            self.keyID = keyID
        }
    }

    /// What ingest stores for an attestation it verified: the id of the agent key, bound to the source the attestation
    /// signed (hex SHA-256 of both). A stored id skips verification only for the target's current source: after a
    /// re-pointed target, an ingest that raced the change, or an upgrade that spells the source otherwise, the
    /// attestation is verified again (and left out, being signed over another source).
    public static func verifiedKeyID(_ keyID: String, source: RepositorySource) -> String {
        verifiedKeyID(keyID, sourceKey: source.storageKey)
    }

    /// ``verifiedKeyID(_:source:)`` from the source's ``RepositorySource/storageKey`` (ingest keeps it per target).
    public static func verifiedKeyID(_ keyID: String, sourceKey: String) -> String {
        ByteEncoding.hexEncode(SHA256.hash(data: Array("\(keyID)\n\(sourceKey)".utf8)))
    }

    /// One target due for publication.
    public struct DuePin: Sendable {
        public var target: String
        /// The target's source and its latest pin's digest for that source; `nil` when the target was removed,
        /// re-pointed or never pinned.
        public var source: RepositorySource?
        public var sha256: String?
        /// Fresh stored attestations of `sha256` by enrolled agents.
        public var attestations: [StoredAttestation]
        /// Approvals of (target, source, sha256) whose signatures verify.
        public var approvals: [Approval]
        /// The stored `unsupported` condition (``ConsensusPlanner/AlertKey/Kind/unsupported``).
        public var unsupported: String?
        /// The pin's JSON in the latest list, when the list has one.
        public var published: [UInt8]?

        public init(
            target: String, source: RepositorySource? = nil, sha256: String? = nil, attestations: [StoredAttestation] = [],
            approvals: [Approval] = [], unsupported: String? = nil, published: [UInt8]? = nil
        ) {
            self.target = target
            self.source = source
            self.sha256 = sha256
            self.attestations = attestations
            self.approvals = approvals
            self.unsupported = unsupported
            self.published = published
        }
    }

    /// Whether the policy has fewer agents than its quorum or fewer regions than `min_regions`: no pin could verify.
    public var waitsForAgents: Bool {
        !policy.quorumRule.isMet(agents: policy.agents.count, regions: policy.agents.map(\.region))
    }

    /// How long a left-out pin waits before it is tried again (new attestations may have arrived).
    public var retrySeconds: Int64 { max(1, policy.maxAgeSeconds / 8) }

    public func plan(_ due: [DuePin], now: Timestamp) throws -> PublicationPlan {
        var plan = PublicationPlan()
        let health = ConsensusPlanner(policy: consensus)
        for candidate in due {
            let target = candidate.target
            plan.rebuilt += 1
            guard let source = candidate.source, let sha256 = candidate.sha256 else {
                // Removed, re-pointed or never pinned: not in the list, and not due again until something marks it.
                if candidate.published != nil { plan.changes[target] = .some(nil) }
                plan.rows[target] = Int64.max
                continue
            }
            let built = build(target: target, source: source, sha256: sha256, candidate: candidate, now: now)
            plan.signaturesVerified += built.signaturesVerified
            let change = health.publicationHealth(target: target, supported: built.pin != nil, stored: candidate.unsupported, now: now)
            plan.events += change.events
            if let condition = change.condition { plan.alerts[.init(.unsupported, target)] = condition }
            guard let pin = built.pin else {
                plan.leftOut.append(.init(target: target, reason: built.failure))
                if candidate.published != nil { plan.changes[target] = .some(nil) }
                plan.rows[target] = now.seconds + retrySeconds
                continue
            }
            // Rebuilt from the same stored attestations: the same bytes, nothing to publish for it.
            if let existing = candidate.published, try pin.leafBytes == existing {
                plan.kept[target] = refreshAt(pin, now: now)
                continue
            }
            plan.changes[target] = pin
            plan.rows[target] = refreshAt(pin, now: now)
        }
        plan.leftOut.sort { $0.target < $1.target }
        return plan
    }

    /// When `pin` needs fresh attestations: its oldest is half of `max_age` old.
    func refreshAt(_ pin: Pin, now: Timestamp) -> Int64 {
        let oldest = pin.attestations.map(\.observedAt.seconds).min() ?? now.seconds
        return max(now.seconds + retrySeconds, oldest + policy.maxAgeSeconds / 2)
    }

    /// The pin clients would accept for the target, or `nil` and why not.
    private func build(
        target: String, source: RepositorySource, sha256: String, candidate: DuePin, now: Timestamp
    ) -> (pin: Pin?, failure: PinListVerifier.Failure?, signaturesVerified: Int) {
        // Region-aware and bounded: each supporting agent's best attestation, chosen so quorum and min_regions hold
        // whenever the stored fresh attestations allow it. An attestation stays usable for max_age even when its agent
        // now sees another root: the pin does not move without a quorum (or approvers), and clients bound the window
        // at their own clock.
        guard let supporting = AttestationSelection.select(
            candidate.attestations.map { .init(attestation: $0.attestation, region: $0.region) }, quorum: policy.quorum,
            minRegions: policy.minRegions, bound: 2 * policy.quorum)
        else {
            return (nil, PinListVerifier.Failure(rule: PinListVerifier.Rule.quorum, target: target,
                "stored fresh attestations of \(Set(candidate.attestations.map(\.attestation.agent)).count) agents do not meet quorum \(policy.quorum) from \(policy.minRegions) regions"), 0)
        }
        // Verified at ingest under the key the policy still lists for the agent, for this source: not verified again.
        var keyIDs: [Attestation: String] = [:]
        for stored in candidate.attestations { if let keyID = stored.keyID { keyIDs[stored.attestation] = keyID } }
        let sourceKey = source.storageKey
        let preverified: (Attestation, TrustPolicy.Agent) -> Bool = {
            keyIDs[$0] == Self.verifiedKeyID($1.publicKey.keyID, sourceKey: sourceKey)
        }
        // The client's own check of the pin, at the list's issue time.
        let expected = PinListVerifier.Expectation(target: target, source: source)
        var pin = Pin(target: target, source: source, sha256: sha256, attestations: supporting)
        let alone = verifier.checkPin(pin, expected: expected, issuedAt: now, now: now, preverified: preverified)
        guard let failure = alone.failure else { return (pin, nil, alone.signaturesVerified) }
        // Agents alone do not carry it (an unchained replacement): approvers' signatures may. Never publish a pin that
        // clients would refuse: report it instead.
        guard failure.rule == PinListVerifier.Rule.unapprovedReplacement, !candidate.approvals.isEmpty else {
            return (nil, failure, alone.signaturesVerified)
        }
        pin.approvals = candidate.approvals
        let approved = verifier.checkPin(pin, expected: expected, issuedAt: now, now: now, preverified: preverified)
        return (approved.failure == nil ? pin : nil, approved.failure, alone.signaturesVerified + approved.signaturesVerified)
    }
}

/// What one publication changes (``PublicationPlanner/plan(_:now:)``).
public struct PublicationPlan: Sendable {
    /// A pin left out of the list and the refusal that keeps it out.
    public struct LeftOut: Sendable, Hashable {
        public var target: String
        public var reason: PinListVerifier.Failure?
    }

    /// Target → its new pin, or `nil` to drop it from the list.
    public var changes: [String: Pin?] = [:]
    /// Rows whose stored pin is rewritten (the new list's pin, or none) → their next refresh (Unix seconds;
    /// `Int64.max`: not due until something marks it).
    public var rows: [String: Int64] = [:]
    /// Pins rebuilt to the same bytes → their next refresh (they stay as stored).
    public var kept: [String: Int64] = [:]
    /// Pinned targets left out of the list, by target.
    public var leftOut: [LeftOut] = []
    public var events: [VantageEvent] = []
    /// Changed `unsupported` conditions.
    public var alerts: [ConsensusPlanner.AlertKey: String] = [:]
    /// Pins rebuilt.
    public var rebuilt = 0
    /// Attestation signatures verified (those verified at ingest under a still enrolled key are not).
    public var signaturesVerified = 0

    public init() {}
}
