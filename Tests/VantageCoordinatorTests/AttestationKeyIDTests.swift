import GRDB
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Ingest keeps the id of the agent key each attestation verified under, bound to the target's source, and
/// publication verifies again only the attestations without one (rows stored before key ids were kept), with another
/// key's id, or verified for another source: on a real database, with observations through the ingest check and store.
@Suite struct AttestationKeyIDTests {
    static let target = "example.test/app"
    /// The source the harness's agents observe the target at.
    static let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil)!

    /// What ingest stores for `agent`'s attestations of the target at ``source``.
    static func keyID(_ agent: TestAgent) -> String {
        PublicationPlanner.verifiedKeyID(agent.identity.publicKey.keyID, source: source)
    }

    /// A coordinator with every agent's first-sight observation of one root stored.
    static func observed() async throws -> TestCoordinator {
        let c = try await TestCoordinator()
        let root = try TestRepository().root(version: 1)
        try await IncrementalRoundTests.ingest(c, try c.agents.map { try $0.observe(Self.target, root: root, at: c.now) })
        return c
    }

    /// Makes every stored attestation's signature another agent's (a valid signature, under the wrong key) and sets
    /// its key id to `keyID` of its agent.
    static func swapSignatures(_ c: TestCoordinator, keyID: @escaping @Sendable (TestAgent) -> String?) async throws {
        try await c.coordinator.database.writer.write { db in
            let signatures = try String.fetchAll(db, sql: "SELECT attestation_signature FROM spans ORDER BY agent")
            for (agent, signature) in zip(c.agents.sorted { $0.id < $1.id }, signatures.dropFirst() + signatures.prefix(1)) {
                try db.execute(
                    sql: "UPDATE spans SET attestation_signature = ?, attestation_key_id = ? WHERE agent = ?",
                    arguments: [signature, keyID(agent), agent.id])
            }
        }
    }

    @Test func ingestStoresTheKeyIDItVerifiedUnder() async throws {
        let c = try await Self.observed()
        let stored = try await c.coordinator.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT agent, attestation_key_id FROM spans").map { ($0[0] as String, $0[1] as String?) }
        }
        #expect(Dictionary(uniqueKeysWithValues: stored) == Dictionary(uniqueKeysWithValues: c.agents.map { ($0.id, Self.keyID($0) as String?) }))
    }

    /// Rows without a key id (stored before the column existed) are verified at publication, as before: swapped
    /// signatures leave the pin out. Positive control: the same rows with their genuine signatures are published.
    @Test(arguments: [false, true])
    func rowsWithoutKeyIDsAreVerified(swapped: Bool) async throws {
        let c = try await Self.observed()
        if swapped {
            try await Self.swapSignatures(c) { _ in nil }
        } else {
            try await c.coordinator.database.writer.write { db in try db.execute(sql: "UPDATE spans SET attestation_key_id = NULL") }
        }
        let report = try await c.coordinator.consensus.evaluateNow()
        #expect(report.weakPins == (swapped ? [Self.target] : []))
        #expect(report.publishedVersion != nil)
    }

    /// What ingest verified under the key still enrolled is not verified again (the database is the coordinator's
    /// own): signatures swapped in the database behind the enrolled key's id are published unchecked — the proof that
    /// the refresh skips them. The client's verifier still checks every signature.
    @Test func theEnrolledKeysIDIsNotVerifiedAgain() async throws {
        let c = try await Self.observed()
        try await Self.swapSignatures(c) { Self.keyID($0) }
        let report = try await c.coordinator.consensus.evaluateNow()
        #expect(report.weakPins.isEmpty && report.publishedVersion != nil)
    }

    /// A stored key id counts only for the source it was verified for. Spans whose attestations sign the old source
    /// while the target now has another (an ingest that raced the operator's re-pointing, or an upgrade that spells
    /// the source otherwise: the stored URL is set directly) are verified again and left out, not published for
    /// clients to refuse. Positive control: the same rows with the source unchanged are published.
    @Test(arguments: [false, true])
    func aKeyIDVerifiedForAnotherSourceIsVerifiedAgain(changed: Bool) async throws {
        let c = try await Self.observed()
        if changed {
            try await c.coordinator.database.writer.write { db in
                try db.execute(sql: "UPDATE targets SET url = 'https://tuf.example.test/moved' WHERE id = ?", arguments: [Self.target])
            }
        }
        let report = try await c.coordinator.consensus.evaluateNow()
        #expect(report.weakPins == (changed ? [Self.target] : []))
        #expect(report.publishedVersion != nil)
    }

    /// A key id that is not the agent's enrolled key (it was re-enrolled with another) is no reason to skip the
    /// check: swapped signatures under another key's id are verified and left out.
    @Test func anotherKeysIDIsVerified() async throws {
        let c = try await Self.observed()
        let other = PublicationPlanner.verifiedKeyID(SigningIdentity().publicKey.keyID, source: Self.source)
        try await Self.swapSignatures(c) { _ in other }
        #expect(try await c.coordinator.consensus.evaluateNow().weakPins == [Self.target])
    }
}
