import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VantageCore
import VantageTestSupport
import VantageTUF

@testable import VantageCoordinator

/// `oci` and `file` targets end to end over HTTP with three agents in three regions: a floating tag followed, an
/// immutable tag and a key file held until approvers sign, the published pins verified as a client verifies them,
/// and the bytes served by digest from the API and the static mirror.
@Suite struct ContentFlowTests {
    static let floating = TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2")
    static let immutable = TargetSpec(id: "base", kind: .oci, url: ContentSample.registry, repository: "library/base", tag: "1.0", changes: .hold)
    static let keyFile = TargetSpec(id: "key", kind: .file, url: "https://keys.example.test/release.pub")

    /// The test's view of one coordinator: submit observations from every agent, run rounds, read pins.
    struct Driver {
        let c: TestCoordinator
        let client: any TestClientProtocol

        func observe(_ spec: TargetSpec, _ sample: ContentSample, _ continuity: Continuity) async throws {
            let source = try #require(spec.source)
            let receipt = try await client.submit(
                try c.agents.map { try $0.observe(spec.id, source: source, content: sample, at: c.now, continuity: continuity) })
            #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items.compactMap(\.reason))")
        }

        func round() async throws -> [VantageEvent] { try await c.coordinator.consensus.evaluateNow().events }

        /// The target's latest pin: digest, classification and version.
        func pin(_ target: String) async throws -> (sha256: String, classification: String, version: Int)? {
            try await c.coordinator.database.writer.read { db in
                try Row.fetchOne(db, sql: "SELECT sha256, classification, version FROM pins WHERE target = ? ORDER BY seq DESC LIMIT 1", arguments: [target])
                    .map { ($0[0], $0[1], $0[2]) }
            }
        }

        func approve(_ spec: TargetSpec, _ sha256: String) async throws {
            let body = try c.approver.approve(spec.id, source: try #require(spec.source), sha256: sha256, at: c.now)
            #expect(try await client.admin(.post, "\(APIPath.targets)/\(spec.id)/approve", body: body) == .created)
        }
    }

    @Test func floatingAndImmutableTags() async throws {
        let mirror = try Scratch("vantage-content-mirror")
        defer { mirror.remove() }
        let c = try await TestCoordinator(targets: [Self.floating, Self.immutable]) { $0.mirrorDirectory = mirror.path }
        let (a, b) = (try ContentSample.index(seed: "a"), try ContentSample.index(seed: "b"))
        try await c.coordinator.application.test(.router) { client in
            let d = Driver(c: c, client: client)
            // First sight by all three regions: pinned, version 0.
            try await d.observe(Self.floating, a, .firstSight)
            try await d.observe(Self.immutable, a, .firstSight)
            #expect(try await d.round().map(\.kind) == [.firstPin, .firstPin])
            #expect(try await d.pin("app")! == (a.sha256, "first", 0))
            #expect(try await d.pin("base")! == (a.sha256, "first", 0))

            // Both tags move: the floating one is followed, the immutable one held for approvers.
            c.clock.advance(seconds: 60)
            try await d.observe(Self.floating, b, .changed)
            try await d.observe(Self.immutable, b, .changed)
            let moved = try await d.round()
            #expect(moved.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.moved, .replacementHeld])
            #expect(try await d.pin("app")! == (b.sha256, "moved", 0))
            #expect(try await d.pin("base")?.sha256 == a.sha256)
            let followed = try #require(moved.first { $0.kind == .moved })
            #expect(followed.target == "app" && followed.details["sha256"] == b.sha256 && followed.details["pinned_sha256"] == a.sha256)
            let held = try #require(moved.first { $0.kind == .replacementHeld })
            #expect(held.target == "base" && held.severity == .critical)
            #expect(held.details["sha256"] == b.sha256 && held.details["pinned_sha256"] == a.sha256)
            #expect(held.details["keys"] == nil, "images name no keys")

            // Approved with an approver's signature: pinned as `changed`.
            try await d.approve(Self.immutable, b.sha256)
            #expect(try await d.round().map(\.kind).contains(.changed))
            #expect(try await d.pin("base")! == (b.sha256, "changed", 0))

            // The trust policy states each tag's rule; the published pins verify as a client verifies them.
            let policy = try await client.get(TrustPolicy.self, APIPath.policy)
            #expect(policy.targets.map(\.changes) == [.follow, .hold])
            let verifier = PinListVerifier(policy: policy)
            for spec in [Self.floating, Self.immutable] {
                let proof = try await client.get(PinProof.self, "\(APIPath.pins)/latest/targets/\(spec.id)")
                #expect(proof.pin.sha256 == b.sha256 && proof.pin.source == spec.source)
                #expect(throws: Never.self) {
                    try verifier.verify(proof, expected: .init(target: spec.id, source: try #require(spec.source)), state: [:], now: c.now).get()
                }
            }
            // The manifest bytes are served by digest, from the API and the mirror, exactly as the agents sent them.
            for sample in [a, b] {
                let served = try await client.execute(uri: "\(APIPath.blobs)/\(sample.sha256)", method: .get) { Array(buffer: $0.body) }
                #expect(served == sample.bytes)
            }
            #expect(FileManager.default.contents(atPath: mirror.file("blobs/\(b.sha256)")).map(Array.init) == b.bytes)
        }
    }

    /// One agent's path answers another digest for the tag while the others keep seeing the pin: a split view, nothing
    /// moves. Control: the same digest seen by every agent is followed (``floatingAndImmutableTags()``).
    @Test func oneAgentServedAnotherDigestIsASplitView() async throws {
        let c = try await TestCoordinator(targets: [Self.floating])
        let (a, forged) = (try ContentSample.index(seed: "a"), try ContentSample.index(seed: "forged"))
        let source = try #require(Self.floating.source)
        try await c.coordinator.application.test(.router) { client in
            let d = Driver(c: c, client: client)
            try await d.observe(Self.floating, a, .firstSight)
            #expect(try await d.round().map(\.kind) == [.firstPin])
            for _ in 0..<2 {
                c.clock.advance(seconds: 60)
                let receipt = try await client.submit([
                    try c.agents[0].observe("app", source: source, content: forged, at: c.now, continuity: .changed),
                    try c.agents[1].observe("app", source: source, content: a, at: c.now, continuity: .same, sendBytes: false),
                    try c.agents[2].observe("app", source: source, content: a, at: c.now, continuity: .same, sendBytes: false),
                ])
                #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items.compactMap(\.reason))")
            }
            let split = try #require(try await d.round().first { $0.kind == .splitView })
            #expect(split.severity == .critical && split.details["pinned_sha256"] == a.sha256)
            #expect(split.details["dissenters"]?.contains(forged.sha256) == true)
            #expect(try await d.pin("app")?.sha256 == a.sha256)
        }
    }

    @Test(.enabled(if: KeyFileSamples.hasSSHKeygen)) func keyFileChangeIsHeldUntilApproved() async throws {
        let c = try await TestCoordinator(targets: [Self.keyFile])
        let keys = try await KeyFileSamples.ssh.value
        let (old, new) = (ContentSample.file(try #require(keys["ed25519"])), ContentSample.file(try #require(keys["ecdsa"])))
        try await c.coordinator.application.test(.router) { client in
            let d = Driver(c: c, client: client)
            try await d.observe(Self.keyFile, old, .firstSight)
            let first = try await d.round()
            #expect(first.map(\.kind) == [.firstPin], "\(first.map(\.message))")
            #expect(try await d.pin("key")! == (old.sha256, "first", 0))

            // The key file changes (a key rotation): held by default, and the alert names both keys.
            c.clock.advance(seconds: 60)
            try await d.observe(Self.keyFile, new, .changed)
            let held = try #require(try await d.round().first { $0.kind == .replacementHeld })
            #expect(held.details["sha256"] == new.sha256 && held.details["pinned_sha256"] == old.sha256)
            #expect(held.details["keys"] == ContentEventDetails.describe(try #require(keys["ecdsa"]).keys))
            #expect(held.details["pinned_keys"] == ContentEventDetails.describe(try #require(keys["ed25519"]).keys))
            #expect(held.details["keys"]?.hasPrefix("ssh:SHA256:") == true)
            #expect(try await d.pin("key")?.sha256 == old.sha256)
            // Time alone does not admit it (the views stay fresh: max_age is 1800 s).
            c.clock.advance(seconds: 1200)
            #expect(try await d.round().allSatisfy { $0.kind != .changed }, "still held without approvers")

            try await d.approve(Self.keyFile, new.sha256)
            #expect(try await d.round().map(\.kind).contains(.changed))
            #expect(try await d.pin("key")! == (new.sha256, "changed", 0))
            let policy = try await client.get(TrustPolicy.self, APIPath.policy)
            #expect(policy.targets.map(\.changes) == [.hold])
            let served = try await client.execute(uri: "\(APIPath.blobs)/\(new.sha256)", method: .get) { Array(buffer: $0.body) }
            #expect(served == new.bytes)
        }
    }
}
