import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// The verdict an agent signs into each attestation, the Notary rules it applies before attesting, and when it
/// adopts an unchained root: over HTTPS against a test server, with fresh keys.
@Suite("Continuity verdicts and Notary rules on the live path", .timeLimit(.minutes(2)))
struct ContinuityTests {
    func probe(
        _ f: HTTPFixture, _ spec: TargetSpec, trusted: Root?, store: TrustedRootStore, adopt: @escaping @Sendable (Root) async -> Bool = { _ in false }
    ) async -> ProbeResult {
        let key = spec.source!.storageKey
        return await TargetProber(http: f.getter, limits: f.limits).probe(
            spec, trusted: trusted, now: { Date() }, onTrusted: { root in try await store.storeDurably(root, for: key, at: Date()) }, adopt: adopt)
    }

    func tuf(_ f: HTTPFixture) -> TargetSpec { TargetSpec(id: "mirror", kind: .tuf, url: f.server.url("/files/repo")) }

    func store(_ f: HTTPFixture) throws -> TrustedRootStore {
        TrustedRootStore(database: try AgentDatabase.open(directory: f.scratch.file("spool")))
    }

    @Test func verdictsFollowWhatTheAgentVerified() async throws {
        try await HTTPFixture.with { f in
            var chain = try RootChain(count: 2)
            try chain.write(to: f.scratch.file("www/repo"))
            let store = try store(f)
            let spec = tuf(f)
            // No history for this source: first sight (the root met its own threshold).
            let first = await probe(f, spec, trusted: nil, store: store)
            #expect(first.continuity == .firstSight)
            #expect(first.observation(agent: "a", region: "r", sequence: 1).attestationStatement?.continuity == .firstSight)
            // The same bytes again.
            let same = await probe(f, spec, trusted: try chain.root(2), store: store)
            #expect(same.continuity == .same)
            // A chained rotation to new keys.
            try chain.append(version: 3, expires: Date().addingTimeInterval(86_400 * 30))
            try chain.write(to: f.scratch.file("www/repo"))
            let rotated = await probe(f, spec, trusted: try chain.root(2), store: store)
            #expect(rotated.continuity == .rotated)
            #expect(rotated.fingerprint?.version == 3)
            // A new version under the same keys, signed by them: re-signed.
            let resignedBytes = try RootDocumentBuilder(
                dialect: .tuf, version: 4, expires: Date().addingTimeInterval(86_400 * 60), rootKeys: [chain.keys[2]], rootThreshold: 1,
                onlineKey: chain.online
            ).document(signedBy: [chain.keys[2]])
            try f.publish(resignedBytes, at: "repo/4.root.json")
            let resigned = await probe(f, spec, trusted: try chain.root(3), store: store)
            #expect(resigned.continuity == .resigned)
            // A root the trusted one never signed: unchained, reported, not trusted.
            try f.publish(try chain.unchainedDocument(version: 5), at: "repo/5.root.json")
            let unchained = await probe(f, spec, trusted: try Root.parse(resignedBytes), store: store)
            #expect(unchained.continuity == .unchained)
            #expect(unchained.fingerprint?.version == 5)
            #expect(try store.root(for: spec.source!.storageKey)?.version == 4)
        }
    }

    @Test func trustedRootsAreKeptPerSourceNotPerTargetID() async throws {
        try await HTTPFixture.with { f in
            let genuine = try RootChain(count: 2)
            try genuine.write(to: f.scratch.file("www/repo"))
            let impostor = try RootChain(count: 2)
            try impostor.write(to: f.scratch.file("www/impostor"))
            let store = try store(f)
            _ = await probe(f, tuf(f), trusted: nil, store: store)
            // The same target id re-pointed at another repository: that source has no history.
            let repointed = TargetSpec(id: "mirror", kind: .tuf, url: f.server.url("/files/impostor"))
            let result = await probe(f, repointed, trusted: try store.root(for: repointed.source!.storageKey), store: store)
            #expect(result.continuity == .firstSight)
            #expect(result.observation(agent: "a", region: "r", sequence: 1).source == repointed.source)
            #expect(try store.root(for: tuf(f).source!.storageKey)?.bytes == genuine.documents[1], "the genuine source's root is untouched")
        }
    }

    @Test func anUnchainedRootIsAdoptedOnlyWhenApproved() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 1)
            try chain.write(to: f.scratch.file("www/repo"))
            let replacement = try chain.unchainedDocument(version: 2)
            try f.publish(replacement, at: "repo/2.root.json")
            let store = try store(f)
            let spec = tuf(f)
            let refused = await probe(f, spec, trusted: try chain.root(1), store: store) { _ in false }
            #expect(refused.continuity == .unchained)
            #expect(try store.root(for: spec.source!.storageKey) == nil)
            let key = spec.source!.storageKey
            let adopted = await probe(f, spec, trusted: try chain.root(1), store: store) { root in
                try? await store.replaceDurably(root, for: key, at: Date())
                return true
            }
            #expect(adopted.continuity == .unchained)
            #expect(adopted.chainRejection?.contains("adopted") == true)
            let entry = try #require(try store.entry(for: key))
            #expect(entry.root.bytes == replacement && entry.adopted)
            // The adopted root is served again: still `unchained`, so clients keep applying their own approvers to it
            // (an agent's approvers never stand in for a client's). Control: the same bytes reached by a verified chain
            // are `same`.
            let again = await TargetProber(http: f.getter, limits: f.limits).probe(
                spec, trusted: entry.root, trustedWasAdopted: true, now: { Date() }, onTrusted: { _ in })
            #expect(again.continuity == .unchained)
            let control = await TargetProber(http: f.getter, limits: f.limits).probe(
                spec, trusted: entry.root, trustedWasAdopted: false, now: { Date() }, onTrusted: { _ in })
            #expect(control.continuity == .same)
        }
    }

    @Test func approvalsCountOnlyUnderTheAgentsOwnApproverKeys() async throws {
        let approver = SigningIdentity()
        let key = ApproverKey(id: "release-lead", publicKey: approver.publicKey)
        let source = try #require(RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil))
        let digest = String(repeating: "c", count: 64)
        let now = Timestamp(Date())
        func adoption(_ approvals: [Approval], source served: RepositorySource = source) -> ApprovalAdoption {
            ApprovalAdoption(approvers: [key], threshold: 1) { target in
                [ApprovalSet(target: target, source: served, digests: [.init(sha256: digest, approvals: approvals)])]
            }
        }
        let genuine = try Approval(approver: key.id, target: "t", source: source, sha256: digest, at: now, identity: approver)
        #expect(await adoption([genuine]).isApproved(target: "t", source: source, sha256: digest, now: now))
        // Signed by a key the agent does not list (a coordinator forging one), under the right name.
        let forged = try Approval(approver: key.id, target: "t", source: source, sha256: digest, at: now, identity: SigningIdentity())
        #expect(await adoption([forged]).isApproved(target: "t", source: source, sha256: digest, now: now) == false)
        // A genuine approval of another source, relayed as if it were for this one.
        let elsewhere = try #require(RepositorySource(kind: .tuf, url: "https://other.example.test", gun: nil))
        let other = try Approval(approver: key.id, target: "t", source: elsewhere, sha256: digest, at: now, identity: approver)
        #expect(await adoption([other]).isApproved(target: "t", source: source, sha256: digest, now: now) == false)
        #expect(await adoption([genuine]).isApproved(target: "t", source: source, sha256: String(repeating: "d", count: 64), now: now) == false)
        // Threshold 2 with one approver's signature twice.
        let two = ApprovalAdoption(approvers: [key, ApproverKey(id: "second", publicKey: SigningIdentity().publicKey)], threshold: 2) { target in
            [ApprovalSet(target: target, source: source, digests: [.init(sha256: digest, approvals: [genuine, genuine])])]
        }
        #expect(await two.isApproved(target: "t", source: source, sha256: digest, now: now) == false)
    }

    @Test func aNotaryRootTheNotaryClientWouldRefuseIsAnErrorNeverAttested() async throws {
        try await HTTPFixture.with { f in
            let gun = "example.test/app"
            func notaryRoot(cn: String, isCA: Bool = false, notAfter: Date = Date().addingTimeInterval(86_400 * 365)) throws -> [UInt8] {
                try RootFixture(
                    .notary, .ecdsa, keys: 1, gun: cn, expires: Date().addingTimeInterval(86_400 * 365),
                    certificateValidity: (Date().addingTimeInterval(-86_400), notAfter), isCA: isCA
                ).document(threshold: 1)
            }
            let spec = TargetSpec(id: gun, kind: .notary, url: f.server.url("/files"), gun: gun)
            let store = try store(f)
            let cases: [(String, [UInt8])] = [
                ("certificate CN is another GUN", try notaryRoot(cn: "example.test/other")),
                ("leaf certificate is a CA", try notaryRoot(cn: gun, isCA: true)),
                ("certificate expired", try notaryRoot(cn: gun, notAfter: Date().addingTimeInterval(-60))),
            ]
            for (name, bytes) in cases {
                try f.publish(bytes, at: "v2/\(gun)/_trust/tuf/root.json")
                let result = await probe(f, spec, trusted: nil, store: store)
                #expect(result.error?.kind == .notaryRules, "\(name): \(String(describing: result.error))")
                #expect(result.fingerprint == nil && result.rootBytes == nil, "\(name): nothing to attest")
                #expect(result.observation(agent: "a", region: "r", sequence: 1).attestationStatement == nil)
                #expect(try store.root(for: spec.source!.storageKey) == nil, "\(name): not trusted")
            }
            // Control: the same root with the GUN as its CN is first sight.
            try f.publish(try notaryRoot(cn: gun), at: "v2/\(gun)/_trust/tuf/root.json")
            let good = await probe(f, spec, trusted: nil, store: store)
            #expect(good.error == nil, "\(String(describing: good.error))")
            #expect(good.continuity == .firstSight)
        }
    }
}
