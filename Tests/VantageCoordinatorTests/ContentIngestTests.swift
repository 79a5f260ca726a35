import Foundation
import GRDB
import HummingbirdTesting
import Testing
import VantageCore
import VantageTestSupport
import VantageTUF

@testable import VantageCoordinator

/// Ingest of `oci` and `file` observations: each refusal beside its positive control — the same observation with
/// honest bytes and facts is accepted and its bytes stored — so the refusal proves the check.
@Suite struct ContentIngestTests {
    static let targets = [
        TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2"),
        TargetSpec(id: "key", kind: .file, url: "https://keys.example.test/release.pub"),
        TargetSpec(id: "example.test/app", kind: .tuf, url: "https://tuf.example.test"),
    ]

    /// A refusal: the honest observation of `sample()` for `target`, and what the attack changes in it.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var code: String
        var target = "app"
        var sample: @Sendable () async throws -> ContentSample = { try ContentSample.index(seed: "a") }
        var tamper: @Sendable (inout Observation, inout [UInt8]?) throws -> Void
        var testDescription: String { name }
    }

    static let sshKey: @Sendable () async throws -> ContentSample = { ContentSample.file(try #require(await KeyFileSamples.ssh.value["ed25519"])) }

    static let ociCases: [Case] = [
        Case(name: "bytes that do not hash to the digest", code: "content_hash_mismatch") { _, bytes in bytes?.append(UInt8(ascii: " ")) },
        Case(name: "a size that is not the bytes'", code: "content_hash_mismatch") { observation, _ in observation.content?.size += 1 },
        Case(name: "another media type than the manifest's", code: "content_facts_mismatch") { observation, _ in
            observation.content?.mediaType = ManifestFacts.ociManifest
        },
        Case(name: "a platform left out of the index", code: "content_facts_mismatch") { observation, _ in
            observation.content?.platforms?.removeLast()
        },
        Case(name: "a platform's digest swapped", code: "content_facts_mismatch") { observation, _ in
            observation.content?.platforms?[0].digest = "sha256:" + String(repeating: "0", count: 64)
        },
        Case(name: "a manifest claimed over 4 MiB", code: "content_too_large") { observation, bytes in
            observation.content?.size = ManifestFacts.maxBytes + 1
            bytes = nil
        },
        Case(name: "a root fingerprint for an oci target", code: "kind_mismatch") { observation, bytes in
            let root = try TestRepository().root(version: 1)
            observation.content = nil
            observation.fingerprint = RootFingerprint(try Root.parse(root))
            bytes = root
        },
        Case(name: "certificates beside content", code: "kind_mismatch") { observation, _ in observation.certificates = [] },
        Case(name: "content for a tuf target", code: "kind_mismatch", target: "example.test/app", sample: { try TestRepository().rootSample() }) {
            observation, _ in
            observation.content = observation.fingerprint.map { ContentFacts(sha256: $0.sha256, size: 1) }
            observation.fingerprint = nil
            observation.selfSignature = nil
        },
        Case(name: "content and a fingerprint", code: "malformed_observation") { observation, _ in
            observation.fingerprint = RootFingerprint(try Root.parse(try TestRepository().root(version: 1)))
        },
    ]

    /// `file` refusals (key files made by ssh-keygen).
    static let fileCases: [Case] = [
        Case(name: "keys that are not the file's", code: "content_facts_mismatch", target: "key", sample: sshKey) { observation, _ in
            observation.content?.keys = [KeyFingerprint(format: .ssh, algorithm: "ssh-ed25519", fingerprint: "SHA256:forged")]
        },
        Case(name: "keys left out", code: "content_facts_mismatch", target: "key", sample: sshKey) { observation, _ in
            observation.content?.keys = nil
        },
        Case(name: "a media type for a file", code: "content_facts_mismatch", target: "key", sample: sshKey) { observation, _ in
            observation.content?.mediaType = ManifestFacts.ociManifest
        },
        Case(name: "a file over ingest.max_file_bytes", code: "content_too_large", target: "key", sample: {
            ContentSample(bytes: [], facts: ContentSample.facts([]))
        }) { observation, bytes in
            bytes = Array(repeating: UInt8(ascii: "k"), count: 256 << 10 + 1)
            observation.content = ContentSample.facts(bytes ?? [])
        },
    ]

    @Test(arguments: ociCases)
    func ociRefusedBesideItsControl(_ testCase: Case) async throws { try await check(testCase) }

    @Test(.enabled(if: KeyFileSamples.hasSSHKeygen), arguments: fileCases)
    func fileRefusedBesideItsControl(_ testCase: Case) async throws { try await check(testCase) }

    func check(_ testCase: Case) async throws {
        let c = try await TestCoordinator(targets: Self.targets)
        let agent = c.agents[0]
        let sample = try await testCase.sample()
        let target = try #require(Self.targets.first { $0.id == testCase.target })
        let source = try #require(target.source)
        try await c.coordinator.application.test(.router) { client in
            var observation = try agent.observe(target.id, source: source, content: sample, at: c.now).observation
            if target.kind.isRoot {
                // A root target's honest observation is a root's.
                observation = try agent.observe(target.id, root: sample.bytes, at: c.now).observation
            }
            var bytes: [UInt8]? = sample.bytes
            try testCase.tamper(&observation, &bytes)
            let attack = try await client.submit([try SignedObservation(signing: observation, with: agent.identity, rootBytes: bytes)])
            #expect(attack.items[0].accepted == false)
            #expect(attack.items[0].reason?.hasPrefix(testCase.code + ":") == true, "\(attack.items[0].reason ?? "-")")
            #expect(try await c.count("blobs") == 0)
            #expect(try await c.count("spans") == 0)

            let control = target.kind.isRoot
                ? try agent.observe(target.id, root: sample.bytes, at: c.now)
                : try agent.observe(target.id, source: source, content: sample, at: c.now)
            let accepted = try await client.submit([control])
            #expect(accepted.items[0].accepted, "\(accepted.items[0].reason ?? "-")")
        }
        #expect(try await c.count("blobs") == 1)
        let stored = try await c.coordinator.database.writer.read { db in try Blobs.bytes(sample.sha256, in: db) }
        #expect(stored == sample.bytes)
    }

    /// Bytes are optional once the coordinator holds them (agents omit what it acked): an observation without them is
    /// accepted and counts, and stores nothing new.
    @Test func observationWithoutBytesIsAccepted() async throws {
        let c = try await TestCoordinator(targets: Self.targets)
        let sample = try ContentSample.index(seed: "a")
        try await c.coordinator.application.test(.router) { client in
            let first = try await client.submit([try c.agents[0].observe("app", source: ContentSample.ociSource, content: sample, at: c.now)])
            let second = try await client.submit([
                try c.agents[1].observe("app", source: ContentSample.ociSource, content: sample, at: c.now, sendBytes: false)
            ])
            #expect(first.items[0].accepted && second.items[0].accepted)
        }
        #expect(try await c.count("blobs") == 1)
        #expect(try await c.count("spans") == 2)
    }
}

extension TestRepository {
    /// Version 1 as a sample whose bytes are a root (the honest observation of a root target).
    func rootSample() throws -> ContentSample {
        let root = try root(version: 1)
        return ContentSample(bytes: root, facts: ContentSample.facts(root))
    }
}
