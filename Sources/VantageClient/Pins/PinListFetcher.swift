import VantageCore

/// Verified pins: the header they hang under, the verified coordinator id, the pins asked for and what was fetched
/// to verify them (kept by ``PinBundle`` so an offline host can verify the same way).
public struct VerifiedPins: Sendable {
    public var header: SignedPinListHeader
    /// The policy id of the coordinator key that verified the header.
    public var coordinator: String
    public var pins: [Pin]
    /// The headers between the last accepted list and this one, oldest first.
    public var intermediates: [SignedPinListHeader]
    /// The inclusion proof of each pin, when the pins were fetched by target.
    public var proofs: [PinProof]

    public init(header: SignedPinListHeader, coordinator: String, pins: [Pin], intermediates: [SignedPinListHeader], proofs: [PinProof]) {
        self.header = header
        self.coordinator = coordinator
        self.pins = pins
        self.intermediates = intermediates
        self.proofs = proofs
    }
}

/// Fetches pin-list documents from a ``PinDocumentSource`` and verifies them with the pure ``PinListVerifier``
/// against the trust policy, the lists this machine accepted before and an explicit `now`. The source decides
/// nothing: a proof for another list, a missing pin or a gap it cannot bridge is a refusal with its rule.
public struct PinListFetcher: Sendable {
    public var verifier: PinListVerifier
    public var accepted: [String: PinListVerifier.Accepted]
    public var now: Timestamp
    /// Most intermediate headers fetched to bridge the gap since the last accepted list.
    public var maxGap: Int64

    public init(policy: TrustPolicy, accepted: [String: PinListVerifier.Accepted], now: Timestamp, maxGap: Int64 = 10_000) {
        verifier = PinListVerifier(policy: policy)
        self.accepted = accepted
        self.now = now
        self.maxGap = maxGap
    }

    /// Verifies the newest list of `source`: only the pins in `expectations`, each with its inclusion proof, or the
    /// whole list when `expectations` is `nil`.
    public func fetch(
        from source: some PinDocumentSource, expectations: [PinListVerifier.Expectation]?
    ) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let header = try await source.header(version: nil)
        let intermediates: [SignedPinListHeader]
        switch try await bridge(to: header, from: source) {
        case .failure(let failure): return .failure(failure)
        case .success(let headers): intermediates = headers
        }
        guard let expectations else {
            let list = try await source.pinList(version: header.signed.version)
            return verifier.verify(list, state: accepted, intermediates: intermediates, now: now)
                .map { VerifiedPins(header: list.header, coordinator: $0, pins: list.pins, intermediates: intermediates, proofs: []) }
        }
        let coordinator: String
        switch verifier.verifyHeader(header, state: accepted, intermediates: intermediates, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let id): coordinator = id
        }
        var proofs: [PinProof] = []
        for expectation in expectations {
            let proof: PinProof
            do {
                proof = try await source.pinProof(target: expectation.target, version: header.signed.version)
            } catch let error as ClientError where error.status == 404 {
                return .failure(.init(rule: PinListVerifier.Rule.noPin, target: expectation.target, "the pin list has no pin for this target"))
            }
            guard proof.header == header else {
                return .failure(.init(rule: PinListVerifier.Rule.inclusionProof, target: expectation.target, "proof is for another list"))
            }
            if case .failure(let failure) = verifier.verify(proof, expected: expectation, state: accepted, intermediates: intermediates, now: now) {
                return .failure(failure)
            }
            proofs.append(proof)
        }
        return .success(VerifiedPins(header: header, coordinator: coordinator, pins: proofs.map(\.pin), intermediates: intermediates, proofs: proofs))
    }

    /// Verifies a whole list read from a file; `expectations` names the pins wanted (all when `nil`).
    public func verify(_ list: PinList, expectations: [PinListVerifier.Expectation]?) -> Result<VerifiedPins, PinListVerifier.Failure> {
        verifier.verify(list, expectations: expectations, state: accepted, now: now).map { coordinator in
            let pins = expectations.map { wanted in wanted.compactMap { e in list.pins.first { $0.target == e.target } } } ?? list.pins
            return VerifiedPins(header: list.header, coordinator: coordinator, pins: pins, intermediates: [], proofs: [])
        }
    }

    /// The headers between the list accepted last from `header`'s coordinator and `header`, so the verifier can
    /// check the hash chain across lists this machine never saw.
    func bridge(to header: SignedPinListHeader, from source: some PinDocumentSource) async throws
        -> Result<[SignedPinListHeader], PinListVerifier.Failure>
    {
        // Looked up by the policy id the header claims; the verifier then checks that this key signed it.
        guard let last = accepted[header.signed.coordinator], header.signed.version > last.version + 1 else { return .success([]) }
        let gap = header.signed.version - last.version - 1
        guard gap <= maxGap else {
            return .failure(.init(rule: PinListVerifier.Rule.chain, "\(gap) lists since the last accepted one (v\(last.version)); at most \(maxGap) are fetched"))
        }
        var headers: [SignedPinListHeader] = []
        for version in (last.version + 1)..<header.signed.version { headers.append(try await source.header(version: version)) }
        return .success(headers)
    }
}
