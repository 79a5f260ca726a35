import Foundation
import VantageCore
import VantageTUF

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
///
/// The newest header is verified completely (signature, identity, age, policy floor, rollback) before anything else
/// is fetched; then the bridge of headers since the accepted list is fetched one at a time, each checked on arrival,
/// so a forged or broken header costs one small read (at most ``HTTPLimits/maxHeaderBytes``), never a bridge.
public struct PinListFetcher: Sendable {
    public var verifier: PinListVerifier
    public var accepted: [String: PinListVerifier.Accepted]
    public var now: Timestamp
    /// Most intermediate headers fetched to bridge the gap since the last accepted list (each at most
    /// ``HTTPLimits/maxHeaderBytes``); a larger gap is refused under rule `chain`.
    public var maxGap: Int64

    /// A whole list's pins are checked on every core of this machine, and each attestation signature once per run
    /// (a list that fails at one source and is served again by the next is not checked twice).
    public init(policy: TrustPolicy, accepted: [String: PinListVerifier.Accepted], now: Timestamp, maxGap: Int64 = 10_000) {
        verifier = PinListVerifier(policy: policy, threads: ProcessInfo.processInfo.activeProcessorCount, signatures: VerificationCache())
        self.accepted = accepted
        self.now = now
        self.maxGap = maxGap
    }

    /// Verifies the newest list of `source`: only the pins in `expectations`, each with its inclusion proof, or the
    /// whole list when `expectations` is `nil`.
    public func fetch(
        from source: some PinDocumentSource, expectations: [PinListVerifier.Expectation]?
    ) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        try await fetch(from: source, selecting: expectations.map(PinSelection.targets) ?? .all)
    }

    /// Verifies the newest list of `source` and the pins `selection` names: by target, each with its inclusion
    /// proof; or out of the whole list (its Merkle root and order checked over every pin), every pin or those
    /// attested for one of the given sources.
    public func fetch(from source: some PinDocumentSource, selecting selection: PinSelection) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let header = try await source.header(version: nil)
        // Verified once, first; every later document must carry this very header.
        let coordinator: String
        switch verifier.verifyHeaderAlone(header, state: accepted, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let id): coordinator = id
        }
        let intermediates: [SignedPinListHeader]
        switch try await bridge(to: header, coordinator: coordinator, from: source) {
        case .failure(let failure): return .failure(failure)
        case .success(let headers): intermediates = headers
        }
        guard case .targets(let expectations) = selection else {
            let list = try await source.pinList(version: header.signed.version)
            guard list.header == header else {
                return .failure(.init(rule: PinListVerifier.Rule.merkleRoot, "the list served is not the one under the verified header v\(header.signed.version)"))
            }
            let expectations = selection.expectations(in: list)
            if let failure = verifier.verifyPins(of: list, expectations: expectations, now: now) { return .failure(failure) }
            return .success(VerifiedPins(header: header, coordinator: coordinator, pins: selection.pins(of: list), intermediates: intermediates, proofs: []))
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
            if let failure = verifier.verifyIncluded(proof, expected: expectation, now: now) { return .failure(failure) }
            proofs.append(proof)
        }
        return .success(VerifiedPins(header: header, coordinator: coordinator, pins: proofs.map(\.pin), intermediates: intermediates, proofs: proofs))
    }

    /// Verifies a whole list read from a file; `expectations` names the pins wanted (all when `nil`).
    public func verify(_ list: PinList, expectations: [PinListVerifier.Expectation]?) -> Result<VerifiedPins, PinListVerifier.Failure> {
        verify(list, selecting: expectations.map(PinSelection.targets) ?? .all)
    }

    /// Verifies a whole list read from a file and the pins `selection` names.
    public func verify(_ list: PinList, selecting selection: PinSelection) -> Result<VerifiedPins, PinListVerifier.Failure> {
        verifier.verify(list, expectations: selection.expectations(in: list), state: accepted, now: now).map { coordinator in
            VerifiedPins(header: list.header, coordinator: coordinator, pins: selection.pins(of: list), intermediates: [], proofs: [])
        }
    }

    /// The headers between the list accepted last from `coordinator` and `header` (already verified on its own), so
    /// the hash chain holds across lists this machine never saw. Fetched one at a time and checked on arrival: the
    /// first that does not chain, or is not signed by the same coordinator, stops the fetch.
    func bridge(to header: SignedPinListHeader, coordinator: String, from source: some PinDocumentSource) async throws
        -> Result<[SignedPinListHeader], PinListVerifier.Failure>
    {
        guard var previous = accepted[coordinator], header.signed.version > previous.version else { return .success([]) }
        let gap = header.signed.version - previous.version - 1
        guard gap <= maxGap else {
            return .failure(.init(rule: PinListVerifier.Rule.chain, "\(gap) lists since the last accepted one (v\(previous.version)); at most \(maxGap) are fetched"))
        }
        var headers: [SignedPinListHeader] = []
        for version in (previous.version + 1)..<header.signed.version {
            let link = try await source.header(version: version)
            if let failure = verifier.verifyChainLink(link, follows: previous, coordinator: coordinator) { return .failure(failure) }
            headers.append(link)
            previous = .init(version: version, digest: try link.digest)
        }
        if let failure = verifier.verifyChainLink(header, follows: previous, coordinator: coordinator, signatureVerified: true) {
            return .failure(failure)
        }
        return .success(headers)
    }
}
