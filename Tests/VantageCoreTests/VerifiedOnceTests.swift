import Testing
import VantageCore
import VantageTUF

/// Roots and approvals are verified once per process per (key, signature, signed bytes) (issue 23), counted through
/// the ``VerificationCache`` each test binds for itself; the adversarial cases must be verified, never answered from
/// the genuine entry.
@Suite("Verified once: roots across planner rounds, approvals across admission, consensus and publication")
struct VerifiedOnceTests {
    static let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test/metadata", gun: nil)!
    static let digest = String(repeating: "a", count: 64)
    static let alice = SigningIdentity()
    static let bob = SigningIdentity()

    @Test("a pending rotation decided in two rounds verifies each root signature in the first round only")
    func pendingRotationTwoRounds() {
        let c = DecideCase(
            name: "rotation seen for 100 s of 600", pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", since: -100), status: .pending)
        let planner = ConsensusPlanner(policy: c.policy)
        let cache = VerificationCache()
        let first = VerificationCache.$current.withValue(cache) { planner.plan(c.snapshot(), now: Clock.now) }
        let once = cache.statistics
        #expect(first.state.status == .pending && first.pin == nil)
        // v2's own keys (b0, b1) and v1's keys (a0, a1) over v2's bytes, each once.
        #expect(once.verifications == 4 && once.entries == 4, "\(once)")
        let settled = ConsensusPlannerTests.applied(first, to: c.snapshot())
        let second = VerificationCache.$current.withValue(cache) { planner.plan(settled, now: Clock.at(30)) }
        #expect(second.state.status == .pending)
        #expect(cache.statistics.verifications == once.verifications, "round two verified again: \(cache.statistics)")
        #expect(cache.statistics.hits > once.hits)

        // Control: round two does ask for every signature again; a cache that remembers nothing verifies them all.
        let cold = VerificationCache(capacity: 0)
        _ = VerificationCache.$current.withValue(cold) { planner.plan(settled, now: Clock.at(30)) }
        let asked = cache.statistics.hits - once.hits
        #expect(cold.statistics.verifications == asked && asked >= 4, "\(cold.statistics)")
    }

    func valid(_ approval: Approval, sha256: String = digest, key: PublicIdentity = alice.publicKey, at: Int64 = 0) -> Set<String> {
        ApprovalVerifier.valid(
            [approval], target: "t/app", source: Self.source, sha256: sha256, approvers: [ApproverKey(id: "alice", publicKey: key)],
            notAfter: Clock.at(at + ConsensusPolicy.skewSeconds)
        ).approvers
    }

    @Test("an approval checked at admission, in each consensus round and at publication is verified once")
    func approvalOnce() throws {
        let approval = try Approval(approver: "alice", target: "t/app", source: Self.source, sha256: Self.digest, at: Clock.now, identity: Self.alice)
        let cache = VerificationCache()
        VerificationCache.$current.withValue(cache) {
            // Admission (AdminController), two consensus rounds (ConsensusStore) and publication (PinListPublisher,
            // then the client's rule in AgentSupport) all run ApprovalVerifier.valid, at later instants.
            for at in [0, 30, 60, 90, 90] as [Int64] { #expect(valid(approval, at: at) == ["alice"]) }
        }
        #expect(cache.statistics.verifications == 1 && cache.statistics.hits == 4, "\(cache.statistics)")
    }

    @Test("a forged approval, the genuine signature over another digest or under another key: verified and refused, never a cached true")
    func adversarialApprovals() throws {
        let genuine = try Approval(approver: "alice", target: "t/app", source: Self.source, sha256: Self.digest, at: Clock.now, identity: Self.alice)
        let cache = VerificationCache()
        VerificationCache.$current.withValue(cache) {
            #expect(valid(genuine) == ["alice"])
            // The same statement signed by another key under alice's name: same bytes, another signature.
            let forged = try! Approval(approver: "alice", target: "t/app", source: Self.source, sha256: Self.digest, at: Clock.now, identity: Self.bob)
            #expect(valid(forged).isEmpty)
            // The genuine signature presented for another digest: other bytes.
            #expect(valid(genuine, sha256: String(repeating: "b", count: 64)).isEmpty)
            // The genuine signature under bob's key listed as alice: another key.
            #expect(valid(genuine, key: Self.bob.publicKey).isEmpty)
            #expect(cache.statistics.verifications == 4 && cache.statistics.hits == 0, "\(cache.statistics)")
            // Positive control: the genuine approval is answered from its entry, still valid.
            #expect(valid(genuine) == ["alice"])
            #expect(cache.statistics.verifications == 4 && cache.statistics.hits == 1)
        }
    }
}
