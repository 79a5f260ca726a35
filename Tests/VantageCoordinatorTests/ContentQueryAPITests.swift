import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VantageCore
import VantageTestSupport
import VantageTUF

@testable import VantageCoordinator

/// The query API for `oci` and `file` targets: what a digest is, read from the stored bytes, which agents see
/// another digest, and the digest timeline of `history`.
@Suite struct ContentQueryAPITests {
    static let targets = [
        TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2"),
        TargetSpec(id: "key", kind: .file, url: "https://keys.example.test/release.pub"),
        TargetSpec(id: "example.test/app", kind: .tuf, url: "https://tuf.example.test"),
    ]

    /// A tag seen by the three agents at different times, then moved for two of them: the pin follows (`moved`), the
    /// third agent's older digest is listed with its facts, and the timeline dates each digest's quorum.
    @Test func movedTagShowsBothDigestsAndTheirQuorumTimes() async throws {
        let c = try await TestCoordinator(targets: Self.targets)
        let old = try ContentSample.index(seed: "old"), new = try ContentSample.index(seed: "new")
        let base = c.now
        c.clock.advance(seconds: 100)
        let (eu, us, ap) = (c.agents[0], c.agents[1], c.agents[2])
        let source = ContentSample.ociSource
        try await c.coordinator.application.test(.router) { client in
            let first = try await client.submit([
                try eu.observe("app", source: source, content: old, at: base),
                try us.observe("app", source: source, content: old, at: base.adding(seconds: 10)),
                try ap.observe("app", source: source, content: old, at: base.adding(seconds: 20)),
            ])
            #expect(first.items.allSatisfy { $0.accepted }, "\(first.items)")
            _ = try await c.coordinator.consensus.evaluateNow()
            let moved = try await client.submit([
                try eu.observe("app", source: source, content: new, at: base.adding(seconds: 60), continuity: .changed),
                try us.observe("app", source: source, content: new, at: base.adding(seconds: 70), continuity: .changed),
            ])
            #expect(moved.items.allSatisfy { $0.accepted }, "\(moved.items)")
            _ = try await c.coordinator.consensus.evaluateNow()

            let status = try await client.get(TargetStatus.self, APIPath.targets + "/app")
            let pin = try #require(status.pinned)
            #expect(pin.sha256 == new.sha256 && pin.classification == .moved)
            #expect(pin.content == new.facts)
            #expect(pin.content?.platforms?.count == 2)
            #expect(status.contents == [old.facts, new.facts].sorted { $0.sha256 < $1.sha256 })
            #expect(status.views.filter { $0.sha256 != pin.sha256 }.map(\.agent) == [ap.id])
            #expect(status.content(of: old.sha256) == old.facts)

            let history = try await client.get(TargetHistory.self, APIPath.targets + "/app/history")
            #expect(history.quorum == 2)
            #expect(history.pins.map(\.classification) == [.first, .moved])
            #expect(
                history.digests == [
                    DigestSighting(
                        sha256: old.sha256, firstSeen: base, lastSeen: base.adding(seconds: 20), agents: 3,
                        quorumFirstSeen: base.adding(seconds: 10), quorumLastSeen: base.adding(seconds: 10)),
                    DigestSighting(
                        sha256: new.sha256, firstSeen: base.adding(seconds: 60), lastSeen: base.adding(seconds: 70), agents: 2,
                        // The second agent's first sight, and the latest instant both had reported it then or later.
                        quorumFirstSeen: base.adding(seconds: 70), quorumLastSeen: base.adding(seconds: 60)),
                ])
        }
    }

    /// A key file's pin names its keys as ssh-keygen printed them; a root target's JSON keeps its old shape (no
    /// `contents`, `content`, `quorum` or `digests`).
    @Test(.enabled(if: KeyFileSamples.hasSSHKeygen)) func keyFileShowsItsFingerprintsAndRootsKeepTheirShape() async throws {
        let c = try await TestCoordinator(targets: Self.targets)
        let sample = ContentSample.file(try #require(await KeyFileSamples.ssh.value["ed25519"]))
        let root = try TestRepository().root(version: 1)
        try await c.coordinator.application.test(.router) { client in
            let receipt = try await client.submit([
                try c.agents[0].observe("key", source: ContentSample.fileSource, content: sample, at: c.now),
                try c.agents[1].observe("key", source: ContentSample.fileSource, content: sample, at: c.now),
                try c.agents[0].observe("example.test/app", root: root, at: c.now),
                try c.agents[1].observe("example.test/app", root: root, at: c.now),
            ])
            #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items)")
            _ = try await c.coordinator.consensus.evaluateNow()

            let status = try await client.get(TargetStatus.self, APIPath.targets + "/key")
            #expect(status.pinned?.content?.keys == sample.facts.keys)
            #expect(status.pinned?.content?.keys?.isEmpty == false)
            #expect(status.pinned?.version == 0)

            for uri in [APIPath.targets + "/example.test/app", APIPath.targets + "/example.test/app/history"] {
                let json = try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
                #expect(json.contains("\"sha256\""), "\(json)")
                for field in ["\"contents\"", "\"content\"", "\"quorum\"", "\"digests\""] { #expect(!json.contains(field), "\(uri): \(field)") }
            }
        }
    }
}
