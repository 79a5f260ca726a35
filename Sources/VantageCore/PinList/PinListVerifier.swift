import VantageTUF

/// Client-side verification of pin lists against a ``TrustPolicy`` (DESIGN.md trust properties 1-5).
///
/// Pure: the documents, the policy, this machine's saved state and its clock `now` in; the verified coordinator id
/// or a ``Failure`` naming the rule out. Nothing here trusts a field that only the coordinator vouches for: pins
/// count through agent and approver signatures checked against the policy's keys, freshness is measured at
/// `now`, and the header's identity must be the policy's name for the key that verified it.
public struct PinListVerifier: Sendable {
    public let policy: TrustPolicy
    /// `policy.problem`, found once: validating a policy normalises every target's source, and every pin checks it
    /// (per pin, that was quadratic in a policy that lists many targets).
    let policyProblem: String?
    /// The support rule over the same policy, its target index built once.
    let support: AgentSupport
    /// Threads a whole list's pins are checked on (the answer is the same for any count: the first failure in order).
    public var threads: Int
    /// Where attestation signatures checked in this run are remembered, so a run checks each once; `nil` checks
    /// every time (the coordinator, whose attestations were verified at ingest, passes none).
    public var signatures: VerificationCache?

    /// - Parameters:
    ///   - threads: threads for a whole list's pins (a CLI passes the machine's cores).
    ///   - signatures: a cache for this run's attestation signatures.
    public init(policy: TrustPolicy, threads: Int = 1, signatures: VerificationCache? = nil) {
        self.policy = policy
        policyProblem = policy.problem
        support = AgentSupport(policy: policy)
        self.threads = threads
        self.signatures = signatures
    }

    /// The highest list version accepted (2^53, far above any real count; keeps version arithmetic exact).
    public static let maxVersion: Int64 = 1 << 53

    /// Clock skew tolerated on `issued_at` and attestation times (the policy's `skew_seconds`).
    public var skewSeconds: Int64 { policy.skewSeconds }

    // MARK: Header

    /// The policy coordinator whose key made `header`'s signature, if any.
    func signer(of header: SignedPinListHeader) -> TrustPolicy.Coordinator? {
        guard let signature = ByteEncoding.base64Decode(header.signature), let message = try? Canonical.bytes(of: header.signed)
        else { return nil }
        return policy.coordinators.first { $0.publicKey.isValidSignature(signature, for: message, cache: .current) }
    }

    /// Verifies the header: signature by a policy coordinator key whose policy id is the header's `coordinator`,
    /// time window at `now`, version floor, and the hash chain to what this machine accepted from that
    /// coordinator (`intermediates` are the headers between it and this one, in order): ``verifyHeaderAlone(_:state:now:)``
    /// then ``verifyChainLink(_:follows:coordinator:signatureVerified:)`` for each link.
    /// - Returns: the verified coordinator id (the key to save state under).
    public func verifyHeader(
        _ header: SignedPinListHeader, state: [String: Accepted], intermediates: [SignedPinListHeader] = [], now: Timestamp
    ) -> Result<String, Failure> {
        let coordinator: String
        switch verifyHeaderAlone(header, state: state, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let id): coordinator = id
        }
        guard var previous = state[coordinator], header.signed.version > previous.version else { return .success(coordinator) }
        // Walk the hash chain from the accepted list through the intermediates to this one.
        for link in intermediates + [header] {
            if let failure = verifyChainLink(link, follows: previous, coordinator: coordinator, signatureVerified: link == header) {
                return .failure(failure)
            }
            previous = Accepted(version: link.signed.version, digest: (try? link.digest) ?? "")
        }
        return .success(coordinator)
    }

    /// Verifies the newest header on its own, before anything else is fetched: signature by a policy coordinator key
    /// whose policy id is the header's `coordinator`, type, version bounds, time window at `now`, the policy's
    /// version floor, and against what this machine accepted from that coordinator: no older version or earlier
    /// issue time, no other list at the same version. The hash chain to a lower accepted version is not checked
    /// here: ``verifyChainLink(_:follows:coordinator:signatureVerified:)`` walks it, one fetched header at a time.
    /// - Returns: the verified coordinator id.
    public func verifyHeaderAlone(_ header: SignedPinListHeader, state: [String: Accepted], now: Timestamp) -> Result<String, Failure> {
        // An unusable policy (quorum 0, one key under two agent ids, …) would let too few keys make a pin.
        if let problem = policyProblem { return .failure(Failure(rule: Rule.trustPolicy, "unusable trust policy: \(problem)")) }
        guard let coordinator = signer(of: header) else {
            return .failure(Failure(rule: Rule.coordinatorSignature, "pin list header is not signed by a coordinator key of the trust policy"))
        }
        let signed = header.signed
        guard signed.coordinator == coordinator.id else {
            return .failure(Failure(rule: Rule.coordinatorIdentity,
                "header names coordinator \"\(signed.coordinator.prefix(100))\" but is signed by the key of \"\(coordinator.id)\""))
        }
        if signed.type != PinListHeader.type {
            return .failure(Failure(rule: Rule.schema, "unknown pin list type \(signed.type.prefix(64))"))
        }
        // Versions far beyond any real count would overflow the chain arithmetic: refused, not trusted.
        guard signed.version >= 1, signed.version <= Self.maxVersion else {
            return .failure(Failure(rule: Rule.schema, "pin list version \(signed.version) is outside 1...\(Self.maxVersion)"))
        }
        if signed.expires <= now { return .failure(Failure(rule: Rule.expired, "pin list v\(signed.version) expired at \(signed.expires)")) }
        if signed.issuedAt > now.adding(seconds: skewSeconds) {
            return .failure(Failure(rule: Rule.issuedInFuture, "pin list v\(signed.version) issued at \(signed.issuedAt), after now \(now)"))
        }
        if signed.issuedAt < now.adding(seconds: -policy.maxListAgeSeconds - skewSeconds) {
            return .failure(Failure(rule: Rule.listTooOld,
                "pin list v\(signed.version) was issued at \(signed.issuedAt), more than max_list_age_seconds \(policy.maxListAgeSeconds) before now \(now)"))
        }
        if signed.version < policy.minPinListVersion {
            return .failure(Failure(rule: Rule.rollback, "pin list v\(signed.version) is below the policy's minimum v\(policy.minPinListVersion)"))
        }
        guard let accepted = state[coordinator.id] else { return .success(coordinator.id) }
        if signed.version < accepted.version {
            return .failure(Failure(rule: Rule.rollback, "pin list v\(signed.version) is older than v\(accepted.version) accepted before"))
        }
        if let previous = accepted.issuedAt, signed.issuedAt < previous {
            return .failure(Failure(rule: Rule.rollback,
                "pin list v\(signed.version) claims to be issued at \(signed.issuedAt), before v\(accepted.version) (\(previous))"))
        }
        if signed.version == accepted.version, (try? header.digest) ?? "" != accepted.digest {
            return .failure(Failure(rule: Rule.equivocation, "a different pin list v\(signed.version) was accepted before"))
        }
        return .success(coordinator.id)
    }

    /// Checks one link of the hash chain from an accepted list towards a newest header that
    /// ``verifyHeaderAlone(_:state:now:)`` verified for `coordinator`: `link` is the list right after `previous`
    /// (its version plus one, naming its digest) and, unless it is that newest header (`signatureVerified`), is
    /// signed by the key of `coordinator` under the same id.
    /// - Returns: the failure, or `nil` when the link holds.
    public func verifyChainLink(
        _ link: SignedPinListHeader, follows previous: Accepted, coordinator: String, signatureVerified: Bool = false
    ) -> Failure? {
        guard previous.version < Self.maxVersion, link.signed.version == previous.version + 1 else {
            return Failure(rule: Rule.chain, "missing pin lists between v\(previous.version) and v\(link.signed.version)")
        }
        guard link.signed.previous == previous.digest else {
            return Failure(rule: Rule.chain, "pin list v\(link.signed.version) does not chain to v\(previous.version)")
        }
        if !signatureVerified, signer(of: link)?.id != coordinator || link.signed.coordinator != coordinator {
            return Failure(rule: Rule.chain, "pin list v\(link.signed.version) in the chain is not signed by coordinator \(coordinator)")
        }
        return nil
    }

    // MARK: Pins

    /// Verifies one pin for `expected`: the source it binds, then at least `quorum` distinct policy agents from
    /// `min_regions` regions, each a valid signature over (target, source, digest, time, verdict) made at most
    /// `max_age` before `now` (and not after the list was issued). When those agents do not all attest a verified
    /// continuation (or first sight), `approval_threshold` policy approvers must have signed the same
    /// (target, source, digest).
    public func verifyPin(_ pin: Pin, expected: Expectation, issuedAt: Timestamp, now: Timestamp) -> Failure? {
        checkPin(pin, expected: expected, policyEntry: policy.targets.first { $0.id == pin.target }, issuedAt: issuedAt, now: now).failure
    }

    /// ``verifyPin(_:expected:issuedAt:now:)`` as the coordinator runs it before publishing: attestations that
    /// `preverified` says were verified under their agent's policy key (at ingest) are not verified again; every
    /// other rule is the client's.
    /// - Returns: the failure, if any, and how many attestation signatures were verified.
    public func checkPin(
        _ pin: Pin, expected: Expectation, issuedAt: Timestamp, now: Timestamp,
        preverified: (Attestation, TrustPolicy.Agent) -> Bool
    ) -> AgentSupport.Outcome {
        checkPin(pin, expected: expected, policyEntry: policy.targets.first { $0.id == pin.target }, issuedAt: issuedAt, now: now, preverified: preverified)
    }

    /// ``checkPin(_:expected:issuedAt:now:preverified:)`` with the policy's entry for the pin's target already looked up (a
    /// whole list looks them up in one index instead of scanning the policy once per pin).
    private func checkPin(
        _ pin: Pin, expected: Expectation, policyEntry: TrustPolicy.Target?, issuedAt: Timestamp, now: Timestamp,
        preverified: (Attestation, TrustPolicy.Agent) -> Bool = { _, _ in false }
    ) -> AgentSupport.Outcome {
        if let failure = checkBinding(pin, expected: expected, policyEntry: policyEntry) { return .init(failure: failure, signaturesVerified: 0) }
        // Who supports the digest: the one rule the coordinator also publishes by.
        return support.check(pin, issuedAt: issuedAt, now: now, preverified: preverified, signatures: signatures)
    }

    /// The policy, the target asked for, the source the pin binds and its digest's form.
    private func checkBinding(_ pin: Pin, expected: Expectation, policyEntry: TrustPolicy.Target?) -> Failure? {
        if let problem = policyProblem {
            return Failure(rule: Rule.trustPolicy, target: pin.target, "unusable trust policy: \(problem)")
        }
        guard pin.target == expected.target else {
            return Failure(rule: Rule.proofTarget, target: expected.target, "the pin answers target \(pin.target.prefix(200)), not the one asked for")
        }
        if let problem = pin.source.problem { return Failure(rule: Rule.schema, target: pin.target, problem) }
        if let want = expected.mismatch(pin.source) {
            return Failure(rule: Rule.sourceMismatch, target: pin.target,
                "the agents attested \(pin.source), but this client uses \(want)")
        }
        if let entry = policyEntry, entry.source != pin.source {
            return Failure(rule: Rule.sourceMismatch, target: pin.target,
                "the agents attested \(pin.source), but the trust policy names \(entry.source)")
        }
        if !ByteEncoding.isSHA256Hex(pin.sha256) { return Failure(rule: Rule.schema, target: pin.target, "sha256 is not 64 lowercase hex digits") }
        return nil
    }

    // MARK: Lists and proofs

    /// Verifies a whole list: header, Merkle root over all pins, order, and the pins named in `expectations`
    /// (every pin, without source expectations, when `nil`).
    /// - Returns: the verified coordinator id.
    public func verify(
        _ list: PinList, expectations: [Expectation]? = nil, state: [String: Accepted],
        intermediates: [SignedPinListHeader] = [], now: Timestamp
    ) -> Result<String, Failure> {
        let verified = verifyHeader(list.header, state: state, intermediates: intermediates, now: now)
        if case .success = verified, let failure = verifyPins(of: list, expectations: expectations, now: now) { return .failure(failure) }
        return verified
    }

    /// Verifies the pins of a list whose header is already verified: Merkle root over all pins, order, and the pins
    /// named in `expectations` (every pin, without source expectations, when `nil`).
    /// - Returns: the failure, or `nil` when the pins hold.
    public func verifyPins(of list: PinList, expectations: [Expectation]? = nil, now: Timestamp) -> Failure? {
        guard let leaves = try? list.pins.map({ MerkleTree.leafHash(try $0.leafBytes) }),
            ByteEncoding.hexEncode(MerkleTree.root(leaves)) == list.header.signed.merkleRoot,
            list.pins.count == list.header.signed.pinCount
        else { return Failure(rule: Rule.merkleRoot, "pins do not match the signed Merkle root") }
        // The Merkle root is over the pins sorted by target: one pin per target, in byte order.
        for (earlier, later) in zip(list.pins, list.pins.dropFirst()) where !earlier.target.utf8.lexicographicallyPrecedes(later.target.utf8) {
            return Failure(rule: Rule.pinOrder, target: later.target, "pins are not strictly sorted by target (duplicate or out of order)")
        }
        // Indexes, so a whole list costs O(n log n) and not a scan of the pins and the policy per pin.
        let issuedAt = list.header.signed.issuedAt
        let policyEntries = Dictionary(policy.targets.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let checks: [(Pin?, Expectation)]
        if let expectations {
            // Byte-distinct targets can still be equal Swift strings (canonically equivalent): keep the first, never trap.
            let pins = Dictionary(list.pins.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
            checks = expectations.map { (pins[$0.target], $0) }
        } else {
            checks = list.pins.map { ($0, Expectation(target: $0.target)) }
        }
        // The pins' signatures are independent: checked on ``threads`` threads, answered as in order.
        return ParallelChecks.firstFailure(count: checks.count, threads: threads) { index in
            let (pin, expectation) = checks[index]
            guard let pin else { return Failure(rule: Rule.noPin, target: expectation.target, "the pin list has no pin for this target") }
            return checkPin(pin, expected: expectation, policyEntry: policyEntries[pin.target], issuedAt: issuedAt, now: now).failure
        }
    }

    /// Verifies one pin fetched with its inclusion proof, for the target (and source) asked for.
    /// - Returns: the verified coordinator id.
    public func verify(
        _ proof: PinProof, expected: Expectation, state: [String: Accepted], intermediates: [SignedPinListHeader] = [],
        now: Timestamp
    ) -> Result<String, Failure> {
        let verified = verifyHeader(proof.header, state: state, intermediates: intermediates, now: now)
        if case .success = verified, let failure = verifyIncluded(proof, expected: expected, now: now) { return .failure(failure) }
        return verified
    }

    /// Verifies one pin with its inclusion proof under a header already verified (the caller checks that the proof
    /// carries that very header): the target asked for, the path to the signed Merkle root, then the pin.
    /// - Returns: the failure, or `nil` when the pin holds.
    public func verifyIncluded(_ proof: PinProof, expected: Expectation, now: Timestamp) -> Failure? {
        // A relaying proxy can answer with another target's genuine pin and proof: the answer must be the question.
        guard proof.pin.target == expected.target else {
            return Failure(rule: Rule.proofTarget, target: expected.target, "the proof answers target \(proof.pin.target.prefix(200)), not the one asked for")
        }
        let path = proof.path.compactMap(ByteEncoding.hexDecode)
        guard path.count == proof.path.count, path.allSatisfy({ $0.count == 32 }), let leaf = try? MerkleTree.leafHash(proof.pin.leafBytes),
            let root = MerkleTree.root(leaf: leaf, index: proof.index, size: proof.header.signed.pinCount, proof: path),
            ByteEncoding.hexEncode(root) == proof.header.signed.merkleRoot
        else { return Failure(rule: Rule.inclusionProof, target: proof.pin.target, "pin is not included under the signed Merkle root") }
        return verifyPin(proof.pin, expected: expected, issuedAt: proof.header.signed.issuedAt, now: now)
    }
}
