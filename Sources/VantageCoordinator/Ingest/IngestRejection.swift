/// Why an observation was refused; ``Code`` is the stable label used in receipts and metrics.
struct IngestRejection: Error, Sendable {
    /// The label of a refusal, as receipts (`reason` starts with it), logs and the
    /// `vantage_observations_rejected_total{reason}` metric spell it.
    enum Code: String, Sendable, Hashable, CaseIterable {
        case unknownAgent = "unknown_agent"
        case malformedObservation = "malformed_observation"
        case badSignature = "bad_signature"
        case unsupportedType = "unsupported_type"
        case regionMismatch = "region_mismatch"
        case unknownTarget = "unknown_target"
        case sourceMismatch = "source_mismatch"
        case stale, future
        case missingAttestation = "missing_attestation"
        case badAttestationSignature = "bad_attestation_signature"
        case rootBytesMalformed = "root_bytes_malformed"
        case rootUnparseable = "root_unparseable"
        case rootHashMismatch = "root_hash_mismatch"
        case rootFingerprintMismatch = "root_fingerprint_mismatch"
    }

    var code: Code
    var detail: String
    /// The observation is not shown to come from an enrolled agent (unknown agent, not canonical, a signature that
    /// does not verify): ingest stops paying for the rest of its batch.
    var unauthenticated = false

    var reason: String { "\(code.rawValue): \(detail)" }
}
