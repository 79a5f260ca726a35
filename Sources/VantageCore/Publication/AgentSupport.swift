import VantageTUF

/// `quorum` distinct agents from `min_regions` regions: the count every decider applies to a digest's supporters —
/// the consensus evaluator to its fresh views, attestation selection to its candidates, and ``AgentSupport`` (the
/// publication planner and the client's ``PinListVerifier``) to valid attestations.
public struct QuorumRule: Sendable, Hashable {
    public var quorum: Int
    public var minRegions: Int

    public init(quorum: Int, minRegions: Int) {
        self.quorum = quorum
        self.minRegions = minRegions
    }

    /// Whether `agents` distinct agents, enrolled in `regions` (one entry per agent, repeats allowed), meet the rule.
    public func isMet(agents: Int, regions: some Sequence<String>) -> Bool {
        agents >= quorum && Set(regions).count >= minRegions
    }
}

extension ConsensusPolicy {
    /// The policy's quorum and `min_regions`.
    public var quorumRule: QuorumRule { QuorumRule(quorum: quorum, minRegions: minRegions) }
}

extension TrustPolicy {
    /// The policy's quorum and `min_regions`.
    public var quorumRule: QuorumRule { QuorumRule(quorum: quorum, minRegions: minRegions) }
}

/// The one rule for "which agents support this digest for this source now" (DESIGN.md trust property 1), shared by
/// the publication planner and the client's ``PinListVerifier`` (the consensus evaluator counts its views with the
/// same ``QuorumRule`` and verdict rule): distinct policy agents, each with a valid signature over (target, source,
/// digest, time, verdict) made at most `max_age` (+ skew) before `now` and not after the list's issue time; `quorum`
/// of them from `min_regions` regions attesting a verified continuation (or first sight) — or, when only a quorum
/// of all verdicts holds, `approval_threshold` policy approvers over the same (target, source, digest).
public struct AgentSupport: Sendable {
    public let policy: TrustPolicy
    /// The policy's target entries by id (the first of each), so each pin finds its change policy in O(1).
    let entries: [String: TrustPolicy.Target]

    public init(policy: TrustPolicy) {
        self.policy = policy
        entries = Dictionary(policy.targets.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The refusal, or `nil` when the pin's attestations (and approvals) carry it, and how many attestation
    /// signatures were verified to find out.
    public struct Outcome: Sendable, Hashable {
        public var failure: PinListVerifier.Failure?
        public var signaturesVerified: Int
    }

    /// Checks the support of `pin` (its source and digest already checked by the caller) in a list issued at
    /// `issuedAt`, at `now`. `preverified` says which attestations were already verified under the policy key of
    /// their agent (the coordinator verifies each at ingest): their signatures are not verified again. A client
    /// passes none. `signatures` remembers the signatures checked (a client's run), if given.
    public func check(
        _ pin: Pin, issuedAt: Timestamp, now: Timestamp,
        preverified: (Attestation, TrustPolicy.Agent) -> Bool = { _, _ in false }, signatures: VerificationCache? = nil
    ) -> Outcome {
        typealias Failure = PinListVerifier.Failure
        typealias Rule = PinListVerifier.Rule
        let skew = policy.skewSeconds
        let changes = TrustPolicy.changePolicy(for: pin, entry: entries[pin.target])
        let oldest = now.adding(seconds: -policy.maxAgeSeconds - skew)
        let newest = min(now, issuedAt).adding(seconds: skew)
        var regionsOf: [String: String] = [:]
        var continuing = Set<String>()
        var rejected: [Failure] = []
        var verified = 0
        for attestation in pin.attestations {
            guard let agent = policy.agents.first(where: { $0.id == attestation.agent }) else {
                rejected.append(Failure(rule: Rule.unknownAgent, target: pin.target, agent: String(attestation.agent.prefix(100)), "agent is not in the trust policy"))
                continue
            }
            if !preverified(attestation, agent) {
                verified += 1
                let statement = attestation.statement(target: pin.target, source: pin.source, sha256: pin.sha256)
                guard let signature = ByteEncoding.base64Decode(attestation.signature), let message = try? statement.signingBytes,
                    signatures.map({ agent.publicKey.isValidSignature(signature, for: message, cache: $0) })
                        ?? agent.publicKey.isValidSignature(signature, for: message)
                else {
                    rejected.append(Failure(rule: Rule.attestationSignature, target: pin.target, agent: agent.id,
                        "attestation signature does not verify for this target, source, digest and verdict"))
                    continue
                }
            }
            if attestation.observedAt < oldest {
                rejected.append(Failure(rule: Rule.staleAttestation, target: pin.target, agent: agent.id,
                    "observed at \(attestation.observedAt), more than max_age_seconds \(policy.maxAgeSeconds) before now \(now)"))
                continue
            }
            if attestation.observedAt > newest {
                rejected.append(Failure(rule: Rule.futureAttestation, target: pin.target, agent: agent.id,
                    "observed at \(attestation.observedAt), after the list was issued or after now"))
                continue
            }
            regionsOf[agent.id] = agent.region
            if attestation.continuity.supportsPin(under: changes) { continuing.insert(agent.id) }
        }
        func meets(_ agents: some Collection<String>) -> Bool {
            policy.quorumRule.isMet(agents: agents.count, regions: agents.compactMap { regionsOf[$0] })
        }
        if meets(continuing) { return Outcome(failure: nil, signaturesVerified: verified) }
        let regions = Set(regionsOf.values).count
        guard meets(regionsOf.keys) else {
            let detail = rejected.map(\.description).joined(separator: "; ")
            return Outcome(failure: Failure(
                rule: Rule.quorum, target: pin.target, agent: rejected.first?.agent,
                "\(regionsOf.count) valid fresh attestations from \(regions) regions; policy needs \(policy.quorum) from \(policy.minRegions)"
                    + (detail.isEmpty ? "" : " (rejected: \(detail))")), signaturesVerified: verified)
        }
        // A quorum saw this root, but not all of it as a verified continuation: only approvers can admit it.
        let approvals = ApprovalVerifier.valid(
            pin.approvals, target: pin.target, source: pin.source, sha256: pin.sha256, approvers: policy.approvers,
            notAfter: now.adding(seconds: skew))
        if !policy.approvers.isEmpty, approvals.approvers.count >= policy.approvalThreshold {
            return Outcome(failure: nil, signaturesVerified: verified)
        }
        let unchained = regionsOf.keys.filter { !continuing.contains($0) }.sorted()
        let verdict = changes == nil
            ? "this root as unchained from the root they trusted"
            : "other bytes than they first saw, and this policy holds changes of \(pin.target)"
        return Outcome(failure: Failure(
            rule: Rule.unapprovedReplacement, target: pin.target, agent: unchained.first,
            "agents \(unchained.joined(separator: ", ")) attest \(verdict); it needs "
                + "\(policy.approvalThreshold) approvals from the policy's approvers, has \(approvals.approvers.count)"
                + (approvals.rejected.isEmpty ? "" : " (rejected: \(approvals.rejected.joined(separator: "; ")))")), signaturesVerified: verified)
    }
}
