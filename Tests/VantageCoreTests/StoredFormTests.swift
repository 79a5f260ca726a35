import Foundation
import Testing
import VantageCore

/// Every typed state value against exactly the text the wire and the database held before it was typed: a renamed
/// case fails here instead of silently changing a column, a JSON field or a script's match.
@Suite struct StoredFormTests {
    static let digest = String(repeating: "ab", count: 32)

    @Test("span outcomes keep their stored text", arguments: [
        (SpanOutcome.root(sha256: digest), digest),
        (.error("timeout"), "error:timeout"),
        (.error("http_status 404"), "error:http_status 404"),
        (.error("unknown"), "error:unknown"),
    ])
    func spanOutcome(outcome: SpanOutcome, stored: String) throws {
        #expect(outcome.rawValue == stored)
        #expect(SpanOutcome(rawValue: stored) == outcome)
        #expect(stored.hasPrefix(SpanOutcome.errorPrefix) == (outcome.sha256 == nil))
        let json = try JSONEncoder().encode([outcome])
        #expect(json == (try JSONEncoder().encode([stored])), "the history API carries the stored text")
        #expect(try JSONDecoder().decode([SpanOutcome].self, from: json) == [outcome])
    }

    @Test("alert conditions keep their stored text", arguments: [
        (ConsensusPlanner.AlertValue.ok, "ok"),
        (.consensus(.splitView), "split_view"),
        (.consensus(.replacementHeld(sha256: digest)), "replacement_held:" + digest),
        (.consensus(.quorumLost), "quorum_lost"),
        (.expiring(sha256: digest), "expiring:" + digest),
        (.expired(sha256: digest), "expired:" + digest),
        (.silent, "silent"),
        (.unsupported, "unsupported"),
        (.unobservable, "unobservable"),
        (.changed, "changed"),
    ])
    func alertValue(value: ConsensusPlanner.AlertValue, stored: String) {
        #expect(value.rawValue == stored)
        #expect(ConsensusPlanner.AlertValue(rawValue: stored) == value)
    }

    @Test("alert keys keep their stored text")
    func alertKey() {
        let kinds = ConsensusPlanner.AlertKey.Kind.allCases.map(\.rawValue)
        #expect(kinds == ["expiry", "certificate", "silent", "unsupported", "consensus", "unobservable", "source"])
        #expect(ConsensusPlanner.AlertKey(.silent, "agent-eu").description == "silent:agent-eu")
        #expect(ConsensusPlanner.AlertValue(rawValue: "junk") == nil)
    }

    @Test("API and database enums keep their text")
    func apiEnums() throws {
        #expect(TargetStatus.Status.allCases.map(\.rawValue) == ["agreed", "changing", "pending", "split_view", "no_consensus", "unobserved"])
        #expect(PinClassification.allCases.map(\.rawValue) == ["first", "same", "resigned", "rotated", "replaced", "unchained", "invalid", "moved", "changed"])
        #expect(AgentStatus.Health.allCases.map(\.rawValue) == ["healthy", "silent", "never_seen"])
        // A decision's status and the API status it shows as are spelled the same; no decision is `unobserved`.
        let decided: [ConsensusDecision.Status] = [.agreed, .changing, .pending, .splitView, .noConsensus]
        #expect(decided.map { TargetStatus.Status($0).rawValue } == decided.map(\.rawValue))
        #expect(TargetStatus.Status(nil) == .unobserved)
        // Codable writes the raw text, as the String fields did.
        let json = try JSONEncoder().encode([TargetStatus.Status.splitView.rawValue: AgentStatus.Health.neverSeen])
        #expect(String(decoding: json, as: UTF8.self) == #"{"split_view":"never_seen"}"#)
        #expect(try JSONDecoder().decode([PinClassification].self, from: Data(#"["unchained"]"#.utf8)) == [.unchained])
    }

    @Test("verifier rule names keep their text (scripts match on failure.rule)")
    func verifierRules() throws {
        typealias Rule = PinListVerifier.Rule
        let table: [(String, String)] = [
            (Rule.trustPolicy, "trust_policy"), (Rule.coordinatorSignature, "coordinator_signature"),
            (Rule.coordinatorIdentity, "coordinator_identity"), (Rule.schema, "schema"), (Rule.expired, "expired"),
            (Rule.issuedInFuture, "issued_in_future"), (Rule.listTooOld, "list_too_old"), (Rule.rollback, "rollback"),
            (Rule.equivocation, "equivocation"), (Rule.chain, "chain"), (Rule.merkleRoot, "merkle_root"), (Rule.pinOrder, "pin_order"),
            (Rule.inclusionProof, "inclusion_proof"), (Rule.proofTarget, "proof_target"), (Rule.noPin, "no_pin"),
            (Rule.sourceMismatch, "source_mismatch"), (Rule.quorum, "quorum"), (Rule.unapprovedReplacement, "unapproved_replacement"),
            (Rule.unknownAgent, "unknown_agent"), (Rule.attestationSignature, "attestation_signature"),
            (Rule.staleAttestation, "stale_attestation"), (Rule.futureAttestation, "future_attestation"),
            (Rule.blobMismatch, "blob_mismatch"), (Rule.blobMalformed, "blob_malformed"), (Rule.notaryRules, "notary_rules"),
        ]
        for (rule, text) in table { #expect(rule == text) }
        #expect(Set(table.map(\.1)).count == table.count, "no two rules share a name")
        // A failure encodes its rule as that text.
        let json = try JSONEncoder().encode(PinListVerifier.Failure(rule: Rule.staleAttestation, "old"))
        #expect(String(decoding: json, as: UTF8.self).contains(#""rule":"stale_attestation""#))
    }
}
