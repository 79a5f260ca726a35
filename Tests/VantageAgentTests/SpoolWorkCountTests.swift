import GRDB
import Testing
import VantageCore
import VantageTUF
import VantageTestSupport

@testable import VantageAgent

/// What spooling an observation costs the agent, counted (``OperationCounters``), not timed: the observation is
/// encoded once, and its signature, its idempotency id and the spooled copy come from those bytes.
@Suite struct SpoolWorkCountTests {
    let identity = SigningIdentity()

    /// Spools `probe` on the calling thread (the transaction ``ObservationSpool/appendDurably(_:coordinators:identity:observe:)``
    /// runs on a database queue, where the counting scope does not reach), and counts.
    func counted(_ probe: ProbeResult, into spool: ObservationSpool) async throws -> (ObservationSpool.Appended, OperationCounters.Counts) {
        try await OperationCounters.counting {
            try spool.database.writer.write { db in
                try spool.appendRows(db, probe, coordinators: ["c1", "c2"], identity: identity) { probe, sequence in
                    probe.observation(agent: "a1", region: "r1", sequence: sequence)
                }
            }
        }
    }

    @Test func anObservationIsEncodedOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let spool = ObservationSpool(database: try AgentDatabase.open(directory: scratch.path), maxRows: 1000)
        let target = TargetSpec(id: "t", kind: .tuf, url: "https://tuf.example.test")
        let at = Timestamp(seconds: 1_800_000_000)

        // A root: the observation and its attestation statement, one encoding each; nothing verified.
        let root = ProbeResult(
            target: target, source: target.source!, observedAt: at, latencyMilliseconds: 3, root: try RootChain(count: 1).root(1),
            chainSteps: 0, continuity: .firstSight)
        let (appended, cost) = try await counted(root, into: spool)
        #expect(cost == .init(canonicalEncodings: 2, ed25519Verifications: 0))

        // The stored observation is the one signed, under the id of the bytes signed.
        let entry = try #require(try spool.batch(for: "c1", limit: 10).first)
        let statement = try CanonicalStatement(entry.observation.observation)
        let signature = try #require(ByteEncoding.base64Decode(entry.observation.signature))
        #expect(entry.id == appended.id && statement.id == appended.id)
        #expect(identity.publicKey.isValidSignature(signature, for: statement.bytes))

        // An error: the observation alone.
        let error = ProbeResult(
            target: target, source: target.source!, observedAt: at, latencyMilliseconds: 3,
            error: ObservationError(.connect, "refused"), chainSteps: nil)
        #expect(try await counted(error, into: spool).1 == .init(canonicalEncodings: 1, ed25519Verifications: 0))
    }
}
