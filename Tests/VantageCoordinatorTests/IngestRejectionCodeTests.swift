import Testing
@testable import VantageCoordinator

/// Ingest refusal labels are read by agents' logs, dashboards (`vantage_observations_rejected_total{reason}`) and
/// scripts matching a receipt's `reason`: each code keeps exactly the text it had as a string.
@Suite struct IngestRejectionCodeTests {
    @Test("every rejection code keeps its label")
    func labels() {
        let expected: [(IngestRejection.Code, String)] = [
            (.unknownAgent, "unknown_agent"), (.malformedObservation, "malformed_observation"), (.badSignature, "bad_signature"),
            (.unsupportedType, "unsupported_type"), (.regionMismatch, "region_mismatch"), (.unknownTarget, "unknown_target"),
            (.sourceMismatch, "source_mismatch"), (.stale, "stale"), (.future, "future"), (.missingAttestation, "missing_attestation"),
            (.badAttestationSignature, "bad_attestation_signature"), (.rootBytesMalformed, "root_bytes_malformed"),
            (.rootUnparseable, "root_unparseable"), (.rootHashMismatch, "root_hash_mismatch"),
            (.rootFingerprintMismatch, "root_fingerprint_mismatch"), (.kindMismatch, "kind_mismatch"),
            (.contentTooLarge, "content_too_large"), (.contentHashMismatch, "content_hash_mismatch"),
            (.contentFactsMismatch, "content_facts_mismatch"),
        ]
        #expect(expected.map(\.0) == IngestRejection.Code.allCases)
        for (code, label) in expected {
            #expect(code.rawValue == label)
            #expect(IngestRejection.Code(rawValue: label) == code)
        }
        #expect(IngestRejection(code: .stale, detail: "observed at 1").reason == "stale: observed at 1")
    }
}
