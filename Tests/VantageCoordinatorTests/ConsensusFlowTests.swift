import Foundation
import VantageTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// The consensus and pin flow end to end over HTTP with three agents: first pin, re-signed, rotated (chained),
/// unchained replacement held then approved, pre-approval, split view, quorum lost — and the pin list chain.
@Suite struct ConsensusFlowTests {
    static let target = "example.test/app"
    static let encoded = "example.test%2Fapp"

    @Test func lifecycleOfOneTarget() async throws {
        let c = try await TestCoordinator()
        let (eu, us, ap) = (c.agents[0], c.agents[1], c.agents[2])
        try await c.coordinator.application.test(.router) { client in
            var repository = try TestRepository()
            func observe(_ agents: [TestAgent], _ root: [UInt8], _ continuity: Continuity = .same) async throws {
                let receipt = try await client.submit(
                    try agents.map { try $0.observe(Self.target, root: root, at: c.now, continuity: continuity) })
                #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items.compactMap(\.reason))")
            }
            func round() async throws -> [VantageEvent.Kind] {
                try await c.coordinator.consensus.evaluateNow().events.map(\.kind)
            }
            func pinned() async throws -> String? {
                try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)").pinned?.sha256
            }

            // First pin: two agents in two regions.
            let v1 = try repository.root(version: 1)
            try await observe([eu, us], v1, .firstSight)
            #expect(try await round() == [.firstPin])
            #expect(try await pinned() == sha256(v1))

            // Re-signed: same keys, new version.
            c.clock.advance(seconds: 60)
            let v2 = try repository.root(version: 2)
            try await observe([eu, us, ap], v2, .resigned)
            #expect(try await round() == [.resigned])
            #expect(try await pinned() == sha256(v2))

            // Rotated: one root key replaced, signed by old and new threshold.
            c.clock.advance(seconds: 60)
            var rotatedKeys = repository.keys
            rotatedKeys[2] = try RootSigningKey.generate(.ed25519)
            let v3 = try repository.root(version: 3, keys: rotatedKeys)
            repository.keys = rotatedKeys
            try await observe([eu, us, ap], v3, .rotated)
            #expect(try await round() == [.rotated])
            #expect(try await pinned() == sha256(v3))

            // Unchained replacement: held (critical), pin unchanged, then approved with an approver's signature.
            c.clock.advance(seconds: 60)
            let stranger = try TestRepository()
            let v4 = try stranger.root(version: 4)
            try await observe([eu, us, ap], v4, .unchained)
            #expect(try await round() == [.replacementHeld])
            #expect(try await pinned() == sha256(v3))
            #expect(try await round() == [], "a held replacement alerts once, not every round")
            let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil)!
            // The admin token alone is not an approval: an unsigned or wrongly signed body is refused.
            var forgedApproval = try c.approver.approve(Self.target, source: source, sha256: sha256(v4), at: c.now)
            forgedApproval.approval = try Approval(
                approver: c.approver.id, target: Self.target, source: source, sha256: sha256(v4), at: c.now, identity: SigningIdentity())
            #expect(try await client.admin(.post, "\(APIPath.targets)/\(Self.encoded)/approve", body: forgedApproval) == .unauthorized)
            #expect(try await round() == [])
            #expect(try await pinned() == sha256(v3))
            var approval = try c.approver.approve(Self.target, source: source, sha256: sha256(v4), at: c.now)
            approval.note = "ticket-42"
            let status = try await client.admin(.post, "\(APIPath.targets)/\(Self.encoded)/approve", body: approval)
            #expect(status == .created)
            // The pin is a notice; the held replacement's alert is resolved by it.
            #expect(try await round() == [.replaced, .recovered])
            #expect(try await pinned() == sha256(v4))

            // Pre-approval: the operator approves a planned unchained root before any agent sees it.
            c.clock.advance(seconds: 60)
            let planned = try TestRepository()
            let v5 = try planned.root(version: 5)
            _ = try await client.admin(
                .post, "\(APIPath.targets)/\(Self.target)/approve",
                body: try c.approver.approve(Self.target, source: source, sha256: sha256(v5), at: c.now))
            try await observe([eu, us, ap], v5, .unchained)
            #expect(try await round() == [.replaced])
            #expect(try await pinned() == sha256(v5))

            // Split view: one agent sees another root; max_dissent 0 → split view, pin unchanged.
            c.clock.advance(seconds: 60)
            let forged = try TestRepository().root(version: 6)
            try await observe([eu], forged, .unchained)
            try await observe([us, ap], v5)
            #expect(try await round() == [.splitView])
            #expect(try await pinned() == sha256(v5))

            // Agreement again, then quorum lost: only one agent stays fresh.
            c.clock.advance(seconds: 60)
            try await observe([eu, us, ap], v5)
            #expect(try await round() == [.recovered])
            c.clock.advance(seconds: 1700)
            try await observe([ap], v5)
            c.clock.advance(seconds: 200)
            // Without a fresh quorum the pin cannot verify at any client: it is left out of the list, and said so.
            #expect(try await round().sorted { $0.rawValue < $1.rawValue } == [.agentSilent, .agentSilent, .pinUnsupported, .quorumLost])
            #expect(try await pinned() == sha256(v5))
            let lost = try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)")
            #expect(lost.pinned?.published == false)

            let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history.pins.map(\.classification) == [.first, .resigned, .rotated, .replaced, .replaced])
            #expect(history.pins.map(\.approvedBy) == [nil, nil, nil, "approver-1", "approver-1"])

            try await checkChain(client, coordinator: c)
        }
    }

    /// Versions strictly increase, each header names its predecessor's digest, ETag/304 works, and one pin
    /// fetched with its proof (id encoded or with a literal slash) verifies with the client verifier.
    func checkChain(_ client: some TestClientProtocol, coordinator c: TestCoordinator) async throws {
        let policy = try await client.get(TrustPolicy.self, APIPath.policy)
        let verifier = PinListVerifier(policy: policy)
        var auditPolicy = policy
        auditPolicy.minPinListVersion = 0
        let auditor = PinListVerifier(policy: auditPolicy)
        let latest = try await client.get(SignedPinListHeader.self, "\(APIPath.pins)/latest/header")
        #expect(latest.signed.version >= 6)
        #expect(policy.minPinListVersion == latest.signed.version)
        var previous: SignedPinListHeader?
        for version in 1...latest.signed.version {
            let header = try await client.get(SignedPinListHeader.self, "\(APIPath.pins)/\(version)/header")
            #expect(header.signed.version == version)
            #expect(header.signed.previous == (try previous?.digest ?? ""))
            if let previous {
                let state = [policy.coordinators[0].id: PinListVerifier.Accepted(version: previous.signed.version, digest: try previous.digest)]
                #expect(throws: Never.self) { try auditor.verifyHeader(header, state: state, now: header.signed.issuedAt).get() }
            }
            previous = header
        }

        let etag = try await client.execute(uri: APIPath.pins, method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] != nil)
            let list = try Canonical.decode(PinList.self, from: response.body.readableBytesView)
            // Every published pin verifies at the client at publication time (pins that cannot are left out).
            #expect(throws: Never.self) { try verifier.verify(list, state: [:], now: list.header.signed.issuedAt).get() }
            return response.headers[.eTag]
        }
        #expect(etag == "\"\(try latest.digest)\"")
        try await client.execute(uri: APIPath.pins, method: .get, headers: [.ifNoneMatch: etag ?? ""]) { response in
            #expect(response.status == .notModified)
            #expect(response.body.readableBytes == 0)
        }
        try await client.execute(uri: APIPath.pins, method: .get, headers: [.ifNoneMatch: "\"other\""]) { #expect($0.status == .ok) }

        // The latest list left the pin out (quorum lost); the one before carries it.
        try await client.execute(uri: "\(APIPath.pins)/latest/targets/\(Self.encoded)", method: .get) { #expect($0.status == .notFound) }
        let carrying = latest.signed.version - 1
        for path in ["\(APIPath.pins)/\(carrying)/targets/\(Self.encoded)", "\(APIPath.pins)/\(carrying)/targets/\(Self.target)"] {
            let proof = try await client.get(PinProof.self, path)
            #expect(proof.pin.target == Self.target)
            // The pin's attestations were fresh when the list was issued (quorum lost happened later).
            #expect(throws: Never.self, "\(path)") {
                try auditor.verify(
                    proof, expected: .init(target: Self.target, url: "https://tuf.example.test"), state: [:], now: proof.header.signed.issuedAt
                ).get()
            }
        }
        try await client.execute(uri: "\(APIPath.pins)/latest/targets/no-such-target", method: .get) { #expect($0.status == .notFound) }
        try await client.execute(uri: "\(APIPath.pins)/0/header", method: .get) { #expect($0.status == .badRequest) }
        try await client.execute(uri: "\(APIPath.pins)/999/header", method: .get) { #expect($0.status == .notFound) }
    }

    @Test func holdPeriodStillNeedsApproversSignatures() async throws {
        let c = try await TestCoordinator { $0.consensus.unchained = .hold(seconds: 600) }
        try await c.coordinator.application.test(.router) { client in
            let v1 = try TestRepository().root(version: 1)
            _ = try await client.submit(try c.agents.map { try $0.observe(Self.target, root: v1, at: c.now) })
            #expect(try await c.coordinator.consensus.evaluateNow().events.map(\.kind) == [.firstPin])
            c.clock.advance(seconds: 10)
            let v2 = try TestRepository().root(version: 2)
            func observeV2() async throws {
                _ = try await client.submit(try c.agents.map { try $0.observe(Self.target, root: v2, at: c.now, continuity: .unchained) })
            }
            try await observeV2()
            #expect(try await c.coordinator.consensus.evaluateNow().events.map(\.kind) == [.replacementHeld])
            // Past the hold but without approvers' signatures: clients would refuse it, so it is never pinned.
            c.clock.advance(seconds: 700)
            try await observeV2()
            #expect(try await c.coordinator.consensus.evaluateNow().events.isEmpty)
            let history0 = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history0.pins.count == 1)
            // Approved: the hold counts from the quorum's first sighting, which is past 600 s.
            let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil)!
            _ = try await client.admin(
                .post, "\(APIPath.targets)/\(Self.encoded)/approve", body: try c.approver.approve(Self.target, source: source, sha256: sha256(v2), at: c.now))
            #expect(try await c.coordinator.consensus.evaluateNow().events.map(\.kind) == [.replaced, .recovered])
            let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history.pins.last?.approvedBy == "approver-1")
        }
    }

    @Test func unchangedPollsExtendOneSpan() async throws {
        let c = try await TestCoordinator()
        let v1 = try TestRepository().root(version: 1)
        try await c.coordinator.application.test(.router) { client in
            for _ in 0..<5 {
                _ = try await client.submit([try c.agents[0].observe(Self.target, root: v1, at: c.now, sendBytes: false)])
                c.clock.advance(seconds: 60)
            }
            _ = try await client.submit([try c.agents[0].observe(Self.target, error: ObservationError(.timeout, "slow"), at: c.now)])
            let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history.spans.map(\.count) == [5, 1])
            #expect(history.spans.map(\.outcome) == [.root(sha256: sha256(v1)), .error("timeout")])
        }
        #expect(try await c.count("observations_seen") == 6)
        #expect(try await c.count("blobs") == 0, "no bytes were sent")
    }
}

func sha256(_ bytes: [UInt8]) -> String { (try? Root.parse(bytes).sha256) ?? "" }
