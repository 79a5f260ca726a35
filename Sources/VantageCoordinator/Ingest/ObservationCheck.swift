import VantageCore
import VantageTUF

/// An observation that passed every ingest check, reduced to what storage needs.
package struct VerifiedObservation: Sendable {
    var id: String
    var agent: String
    var target: String
    var observedAt: Timestamp
    /// The digest (a root's, manifest's or file's) or `error:<kind>`.
    var outcome: String
    /// Base64 attestation signature (successful fetches).
    var attestationSignature: String?
    /// The agent's signed continuity verdict (successful fetches).
    var continuity: Continuity?
    /// The id of the enrolled agent key the attestation signature verified under, bound to the target's source
    /// (``PublicationPlanner/verifiedKeyID(_:source:)``: publication skips verifying it again while that key is
    /// enrolled and the source unchanged).
    var attestationKeyID: String?
    /// Exact root, manifest or file bytes, hash-checked (and their facts recomputed), when the agent sent them.
    var rootBytes: (sha256: String, bytes: [UInt8])?
    /// The agent's message about its error (for a refusal, the rule), clipped (error observations).
    var errorMessage: String?

    package init(
        id: String, agent: String, target: String, observedAt: Timestamp, outcome: String, attestationSignature: String? = nil,
        continuity: Continuity? = nil, attestationKeyID: String? = nil, rootBytes: (sha256: String, bytes: [UInt8])? = nil
    ) {
        self.continuity = continuity
        self.attestationKeyID = attestationKeyID
        self.id = id
        self.agent = agent
        self.target = target
        self.observedAt = observedAt
        self.outcome = outcome
        self.attestationSignature = attestationSignature
        self.rootBytes = rootBytes
    }
}

/// The per-observation checks of `POST /v1/observations` (enrolment, signature, schema, region, target, time
/// window, attestation, root bytes), cheapest refusal first. Pure apart from the ``Directory`` snapshot it is given.
struct ObservationCheck: Sendable {
    var directory: Directory.Contents
    var limits: CoordinatorConfiguration.Ingest
    var now: Timestamp

    /// The result of checking one observation.
    struct Verdict: Sendable {
        /// The idempotency id; empty when the observation could not be canonicalised.
        var id: String
        var result: Result<VerifiedObservation, IngestRejection>
        /// The observation was canonicalised and its signature checked (the costly part, counted).
        var signatureChecked: Bool
    }

    /// Checks `signed`. The agent is looked up first: an observation naming no enrolled agent costs no signature
    /// check, and is canonicalised only to name it in the receipt (ingest stops its batch there). An id in `earlier`
    /// (the verdicts given so far in its batch) gets that verdict again unchecked: a batch of one replayed observation
    /// repeated costs one signature check.
    func check(_ signed: SignedObservation, earlier: [String: Verdict] = [:]) -> Verdict {
        // Canonicalised once: the id, the signature check and what is stored all come from these bytes.
        let canonical = Result { try CanonicalStatement(signed.observation) }
        guard let agent = directory.agents[signed.observation.agent] else {
            let rejection = IngestRejection(
                code: .unknownAgent, detail: "agent \"\(signed.observation.agent.prefix(100))\" is not enrolled", unauthenticated: true)
            return Verdict(id: (try? canonical.get())?.id ?? "", result: .failure(rejection), signatureChecked: false)
        }
        let statement: CanonicalStatement<Observation>
        do {
            statement = try canonical.get()
        } catch {
            let rejection = IngestRejection(code: .malformedObservation, detail: "cannot canonicalise: \(error)", unauthenticated: true)
            return Verdict(id: "", result: .failure(rejection), signatureChecked: true)
        }
        let id = statement.id
        if let verdict = earlier[id] { return Verdict(id: id, result: verdict.result, signatureChecked: false) }
        // Refusing an observation outside the time window needs no signature check.
        if let rejection = outsideWindow(statement.value) { return Verdict(id: id, result: .failure(rejection), signatureChecked: false) }
        do {
            return Verdict(id: id, result: .success(try verify(signed, statement, id: id, agent: agent)), signatureChecked: true)
        } catch {
            return Verdict(id: id, result: .failure(error), signatureChecked: true)
        }
    }

    private func verify(
        _ signed: SignedObservation, _ statement: CanonicalStatement<Observation>, id: String, agent: AgentEnrollment
    ) throws(IngestRejection) -> VerifiedObservation {
        let observation = statement.value
        func reject(_ code: IngestRejection.Code, _ detail: String) -> IngestRejection { IngestRejection(code: code, detail: detail) }
        guard let signature = ByteEncoding.base64Decode(signed.signature),
            agent.publicKey.isValidSignature(signature, for: statement.bytes)
        else {
            throw IngestRejection(
                code: .badSignature, detail: "observation signature does not verify with agent \(agent.id)'s enrolled key",
                unauthenticated: true)
        }
        guard observation.type == Observation.type else {
            throw reject(.unsupportedType, "type \"\(observation.type.prefix(64))\" is not \(Observation.type)")
        }
        guard [observation.fingerprint != nil, observation.content != nil, observation.error != nil].filter({ $0 }).count == 1 else {
            // A root observation's refusal keeps its words.
            let fields = observation.content == nil ? "fingerprint and error" : "fingerprint, content and error"
            throw reject(.malformedObservation, "exactly one of \(fields) must be present")
        }
        guard observation.region == agent.region else {
            throw reject(.regionMismatch, "agent \(agent.id) is enrolled in region \(agent.region), not \(observation.region.prefix(100))")
        }
        guard let spec = directory.targets[observation.target] else {
            throw reject(.unknownTarget, "target is not watched by this coordinator")
        }
        // The source (kind, normalised URL, GUN) is bound into the attestation: it must be the one this coordinator
        // pins under, or the attestation would vouch for another repository.
        guard let (source, sourceKey) = directory.sources[observation.target], observation.source == source else {
            throw reject(.sourceMismatch, "observation is for \(String(describing: observation.source).prefix(300)), the target's source is \(spec.source.map(String.init(describing:)) ?? "invalid")")
        }
        if let problem = ContentCheck.shapeProblem(observation, kind: spec.kind) { throw reject(.kindMismatch, problem) }
        let content = ContentCheck(kind: spec.kind, maxFileBytes: limits.maxFileBytes)
        if let facts = observation.content { try content.checkSize(facts) }
        var verified = VerifiedObservation(
            id: id, agent: agent.id, target: observation.target, observedAt: observation.observedAt,
            outcome: observation.outcome.rawValue)
        guard observation.error == nil else {
            if signed.rootBytes != nil || signed.attestationSignature != nil || observation.continuity != nil {
                throw reject(.malformedObservation, "an error observation carries root bytes or an attestation")
            }
            verified.errorMessage = observation.error.map { String($0.message.prefix(1000)) }
            return verified
        }
        guard let statement = observation.attestationStatement else {
            throw reject(.malformedObservation, "a successful observation must carry the agent's continuity verdict")
        }
        guard let attestation = signed.attestationSignature, let attestationBytes = ByteEncoding.base64Decode(attestation) else {
            throw reject(.missingAttestation, "a successful observation must carry an attestation signature")
        }
        // Unauthenticated too: anyone may copy an agent's genuine observation and attach junk attestations to it.
        guard let message = try? statement.signingBytes, agent.publicKey.isValidSignature(attestationBytes, for: message) else {
            throw IngestRejection(
                code: .badAttestationSignature, detail: "attestation signature does not verify with agent \(agent.id)'s enrolled key",
                unauthenticated: true)
        }
        verified.attestationSignature = attestation
        verified.attestationKeyID = PublicationPlanner.verifiedKeyID(agent.publicKey.keyID, sourceKey: sourceKey)
        verified.continuity = statement.continuity
        if let encoded = signed.rootBytes {
            if let fingerprint = observation.fingerprint {
                verified.rootBytes = try checkRootBytes(encoded, fingerprint: fingerprint)
            } else if let facts = observation.content {
                verified.rootBytes = try content.checkBytes(encoded, content: facts)
            }
        }
        return verified
    }

    /// Why `observation` is outside the time window ingest accepts, if it is.
    private func outsideWindow(_ observation: Observation) -> IngestRejection? {
        if observation.observedAt < now.adding(seconds: -limits.maxPastSeconds) {
            return IngestRejection(code: .stale, detail: "observed at \(observation.observedAt), more than \(limits.maxPastSeconds) s ago")
        }
        if observation.observedAt > now.adding(seconds: limits.maxFutureSeconds) {
            return IngestRejection(code: .future, detail: "observed at \(observation.observedAt), more than \(limits.maxFutureSeconds) s ahead")
        }
        return nil
    }

    /// Decodes root bytes and checks that they are the root the fingerprint describes.
    private func checkRootBytes(_ encoded: String, fingerprint: RootFingerprint) throws(IngestRejection) -> (String, [UInt8]) {
        guard let bytes = ByteEncoding.base64Decode(encoded) else {
            throw IngestRejection(code: .rootBytesMalformed, detail: "root_bytes is not base64")
        }
        let root: Root
        do {
            root = try Root.parse(bytes)
        } catch {
            throw IngestRejection(code: .rootUnparseable, detail: "root bytes do not parse: \(error)")
        }
        guard root.sha256 == fingerprint.sha256 else {
            throw IngestRejection(code: .rootHashMismatch, detail: "SHA-256 of root bytes is \(root.sha256), not \(fingerprint.sha256)")
        }
        let recomputed = RootFingerprint(root)
        guard recomputed.canonicalSHA256 == fingerprint.canonicalSHA256, recomputed.version == fingerprint.version,
            recomputed.rootKeysDigest == fingerprint.rootKeysDigest
        else {
            throw IngestRejection(code: .rootFingerprintMismatch, detail: "the fingerprint does not describe the root bytes sent")
        }
        return (root.sha256, bytes)
    }
}
