import VantageTUF

/// Client-side verification of pin lists against a ``TrustPolicy`` (DESIGN.md trust properties 1 and 2).
///
/// Pure: the documents, the policy, the last accepted list and `now` in; a ``Verdict`` with the failed rule out.
public struct PinListVerifier: Sendable {
    public var policy: TrustPolicy
    /// Clock skew tolerated on `issued_at` and attestation times.
    public var skewSeconds: Int64 = 300

    public init(policy: TrustPolicy) { self.policy = policy }

    /// What this machine accepted last (version and header digest).
    public struct Accepted: Sendable, Hashable, Codable {
        public var version: Int64
        public var digest: String
        /// When the accepted list was issued: a later list may not claim an earlier time (which would let a
        /// coordinator key re-use attestations that were fresh only for the older list).
        public var issuedAt: Timestamp?

        public init(version: Int64, digest: String, issuedAt: Timestamp? = nil) {
            self.version = version
            self.digest = digest
            self.issuedAt = issuedAt
        }

        enum CodingKeys: String, CodingKey {
            case version, digest
            case issuedAt = "issued_at"
        }
    }

    /// A failed rule: which rule, which pin, which agent.
    public struct Failure: Sendable, Hashable, Codable, Error, CustomStringConvertible {
        public var rule: String
        public var target: String?
        public var agent: String?
        public var message: String

        public init(rule: String, target: String? = nil, agent: String? = nil, _ message: String) {
            self.rule = rule
            self.target = target
            self.agent = agent
            self.message = message
        }

        public var description: String {
            var parts = ["\(rule): \(message)"]
            if let target { parts.append("pin \(target)") }
            if let agent { parts.append("agent \(agent)") }
            return parts.joined(separator: "; ")
        }
    }

    /// Verifies the header: signature by a policy coordinator key, time window, version floor, and the hash chain
    /// to the last accepted list (`intermediates` are the headers between it and this one, in order).
    public func verifyHeader(
        _ header: SignedPinListHeader, accepted: Accepted?, intermediates: [SignedPinListHeader] = [], now: Timestamp
    ) -> Failure? {
        // An unusable policy (quorum 0, one key under two agent ids, …) would let too few keys make a pin.
        if let problem = policy.problem { return Failure(rule: "trust_policy", "unusable trust policy: \(problem)") }
        guard let signature = ByteEncoding.base64Decode(header.signature),
            let message = try? Canonical.bytes(of: header.signed),
            policy.coordinators.contains(where: { $0.publicKey.isValidSignature(signature, for: message) })
        else { return Failure(rule: "coordinator_signature", "pin list header is not signed by a coordinator key of the trust policy") }
        let signed = header.signed
        if signed.type != PinListHeader.type { return Failure(rule: "schema", "unknown pin list type \(signed.type)") }
        if signed.expires <= now { return Failure(rule: "expired", "pin list v\(signed.version) expired at \(signed.expires)") }
        if signed.issuedAt > now.adding(seconds: skewSeconds) {
            return Failure(rule: "issued_in_future", "pin list v\(signed.version) issued at \(signed.issuedAt)")
        }
        if signed.version < policy.minPinListVersion {
            return Failure(rule: "rollback", "pin list v\(signed.version) is below the policy's minimum v\(policy.minPinListVersion)")
        }
        guard let accepted else { return nil }
        if signed.version < accepted.version {
            return Failure(rule: "rollback", "pin list v\(signed.version) is older than v\(accepted.version) accepted before")
        }
        if let previous = accepted.issuedAt, signed.issuedAt < previous {
            return Failure(rule: "rollback", "pin list v\(signed.version) claims to be issued at \(signed.issuedAt), before v\(accepted.version) (\(previous))")
        }
        let digest = (try? header.digest) ?? ""
        if signed.version == accepted.version {
            return digest == accepted.digest
                ? nil : Failure(rule: "equivocation", "a different pin list v\(signed.version) was accepted before")
        }
        // Walk the hash chain from the accepted list through the intermediates to this one.
        var previousDigest = accepted.digest
        var previousVersion = accepted.version
        for link in intermediates + [header] {
            guard link.signed.version == previousVersion + 1 else {
                return Failure(rule: "chain", "missing pin lists between v\(previousVersion) and v\(link.signed.version)")
            }
            guard link.signed.previous == previousDigest else {
                return Failure(rule: "chain", "pin list v\(link.signed.version) does not chain to v\(previousVersion)")
            }
            if link != header, verifyLinkSignature(link) == false {
                return Failure(rule: "chain", "pin list v\(link.signed.version) in the chain is not signed by a coordinator key")
            }
            previousDigest = (try? link.digest) ?? ""
            previousVersion = link.signed.version
        }
        return nil
    }

    func verifyLinkSignature(_ header: SignedPinListHeader) -> Bool {
        guard let signature = ByteEncoding.base64Decode(header.signature), let message = try? Canonical.bytes(of: header.signed)
        else { return false }
        return policy.coordinators.contains { $0.publicKey.isValidSignature(signature, for: message) }
    }

    /// Verifies one pin's attestations: at least `quorum` distinct policy agents from `min_regions` regions, each a
    /// valid signature over (target, sha256, observed_at) made within `max_age` before the list was issued.
    public func verifyPin(_ pin: Pin, issuedAt: Timestamp) -> Failure? {
        if let problem = policy.problem { return Failure(rule: "trust_policy", target: pin.target, "unusable trust policy: \(problem)") }
        var agents = Set<String>()
        var regions = Set<String>()
        var rejected: [Failure] = []
        for attestation in pin.attestations {
            guard let agent = policy.agents.first(where: { $0.id == attestation.agent }) else {
                rejected.append(Failure(rule: "unknown_agent", target: pin.target, agent: attestation.agent, "agent is not in the trust policy"))
                continue
            }
            let statement = AttestationStatement(
                agent: agent.id, target: pin.target, kind: pin.kind, gun: pin.gun, sha256: pin.sha256, observedAt: attestation.observedAt)
            guard let signature = ByteEncoding.base64Decode(attestation.signature), let message = try? statement.signingBytes,
                agent.publicKey.isValidSignature(signature, for: message)
            else {
                rejected.append(Failure(rule: "attestation_signature", target: pin.target, agent: agent.id, "attestation signature does not verify"))
                continue
            }
            if attestation.observedAt < issuedAt.adding(seconds: -policy.maxAgeSeconds) {
                rejected.append(Failure(rule: "stale_attestation", target: pin.target, agent: agent.id,
                    "observed at \(attestation.observedAt), more than \(policy.maxAgeSeconds) s before the list was issued"))
                continue
            }
            if attestation.observedAt > issuedAt.adding(seconds: skewSeconds) {
                rejected.append(Failure(rule: "future_attestation", target: pin.target, agent: agent.id, "observed after the list was issued"))
                continue
            }
            agents.insert(agent.id)
            regions.insert(agent.region)
        }
        if agents.count >= policy.quorum, regions.count >= policy.minRegions { return nil }
        let detail = rejected.map(\.description).joined(separator: "; ")
        return Failure(
            rule: "quorum", target: pin.target, agent: rejected.first?.agent,
            "\(agents.count) valid attestations from \(regions.count) regions; policy needs \(policy.quorum) from \(policy.minRegions)"
                + (detail.isEmpty ? "" : " (rejected: \(detail))"))
    }

    /// Verifies a whole list: header, Merkle root over all pins, and every pin (or only `targets` when given).
    public func verify(
        _ list: PinList, targets: [String]? = nil, accepted: Accepted?, intermediates: [SignedPinListHeader] = [], now: Timestamp
    ) -> Failure? {
        if let failure = verifyHeader(list.header, accepted: accepted, intermediates: intermediates, now: now) { return failure }
        guard let leaves = try? list.pins.map({ MerkleTree.leafHash(try $0.leafBytes) }),
            ByteEncoding.hexEncode(MerkleTree.root(leaves)) == list.header.signed.merkleRoot,
            list.pins.count == list.header.signed.pinCount
        else { return Failure(rule: "merkle_root", "pins do not match the signed Merkle root") }
        // The Merkle root is over the pins sorted by target: one pin per target, in byte order.
        for (earlier, later) in zip(list.pins, list.pins.dropFirst()) where !earlier.target.utf8.lexicographicallyPrecedes(later.target.utf8) {
            return Failure(rule: "pin_order", target: later.target, "pins are not strictly sorted by target (duplicate or out of order)")
        }
        let wanted = targets.map(Set.init)
        for pin in list.pins where wanted?.contains(pin.target) ?? true {
            if let failure = verifyPin(pin, issuedAt: list.header.signed.issuedAt) { return failure }
        }
        for target in targets ?? [] where !list.pins.contains(where: { $0.target == target }) {
            return Failure(rule: "no_pin", target: target, "the pin list has no pin for this target")
        }
        return nil
    }

    /// Verifies one pin fetched with its inclusion proof.
    public func verify(
        _ proof: PinProof, accepted: Accepted?, intermediates: [SignedPinListHeader] = [], now: Timestamp
    ) -> Failure? {
        if let failure = verifyHeader(proof.header, accepted: accepted, intermediates: intermediates, now: now) { return failure }
        let path = proof.path.compactMap(ByteEncoding.hexDecode)
        guard path.count == proof.path.count, let leaf = try? MerkleTree.leafHash(proof.pin.leafBytes),
            let root = MerkleTree.root(leaf: leaf, index: proof.index, size: proof.header.signed.pinCount, proof: path),
            ByteEncoding.hexEncode(root) == proof.header.signed.merkleRoot
        else { return Failure(rule: "inclusion_proof", target: proof.pin.target, "pin is not included under the signed Merkle root") }
        return verifyPin(proof.pin, issuedAt: proof.header.signed.issuedAt)
    }
}
