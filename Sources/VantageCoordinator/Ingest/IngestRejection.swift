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
        /// Root facts for an `oci`/`file` target, or content for a root target.
        case kindMismatch = "kind_mismatch"
        /// Content over its kind's cap (`oci` 4 MiB, `file` `ingest.max_file_bytes`).
        case contentTooLarge = "content_too_large"
        /// Content bytes whose SHA-256 or size is not the one claimed.
        case contentHashMismatch = "content_hash_mismatch"
        /// Content facts (media type, platforms, keys) that are not the ones recomputed from the bytes.
        case contentFactsMismatch = "content_facts_mismatch"
    }

    var code: Code
    var detail: String
    /// The observation is not shown to come from an enrolled agent (unknown agent, not canonical, a signature that
    /// does not verify): ingest stops paying for the rest of its batch.
    var unauthenticated = false

    var reason: String { "\(code.rawValue): \(detail)" }
}
