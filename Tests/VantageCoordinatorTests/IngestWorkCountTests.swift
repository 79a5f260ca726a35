import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// What ingest costs per observation, counted (``OperationCounters``), not timed: the observation is canonicalised
/// once (its id, its signature check and what is stored share those bytes) and each signature is verified once.
@Suite struct IngestWorkCountTests {
    @Test func oneObservationIsCanonicalisedOnceAndEachSignatureVerifiedOnce() async throws {
        let c = try await TestCoordinator()
        let directory = Directory()
        try await RegistryStore(database: c.coordinator.database, directory: directory).loadDirectory()
        let check = ObservationCheck(directory: directory.contents, limits: c.configuration.ingest, now: c.now)
        let target = "example.test/app"

        // A root: the observation and its attestation statement are encoded (the target's source key, which the
        // attestation's key id binds, was encoded when the directory loaded), both signatures verified.
        let root = try c.agents[0].observe(target, root: try TestRepository().root(version: 1), at: c.now)
        let (accepted, rootCost) = await OperationCounters.counting { check.check(root) }
        #expect(accepted.signatureChecked && (try? accepted.result.get()) != nil)
        #expect(rootCost == .init(canonicalEncodings: 2, ed25519Verifications: 2))

        // An error: the observation alone, one signature.
        let error = try c.agents[1].observe(target, error: ObservationError(.timeout, "no answer"), at: c.now)
        let (reported, errorCost) = await OperationCounters.counting { check.check(error) }
        #expect((try? reported.result.get()) != nil)
        #expect(errorCost == .init(canonicalEncodings: 1, ed25519Verifications: 1))

        // A copy later in the batch: canonicalised to find its id, nothing verified again.
        let (again, copyCost) = await OperationCounters.counting { check.check(root, earlier: [accepted.id: accepted]) }
        #expect(!again.signatureChecked && again.id == accepted.id)
        #expect(copyCost == .init(canonicalEncodings: 1, ed25519Verifications: 0))
    }
}
