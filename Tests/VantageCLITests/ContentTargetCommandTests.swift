import AsyncHTTPClient
import Crypto
import Foundation
import Testing
import VantageClient
import VantageCoordinator
import VantageCore
import VantageTestSupport
import VantageTUF

/// `vantage targets add` for `oci` and `file` targets, and `query`, `history`, `targets list` and `status` of a key file
/// whose agents disagree, against a live coordinator (real HTTP, real SQLite file).
@Suite("vantage targets add, query and history for oci and file targets (black box)")
struct ContentTargetCommandTests {
    static let token = "content-test-admin-token-0123456789"

    @Test("targets add refuses options that do not fit the kind and bad image references with one line, exit 64")
    func usageErrors() async throws {
        let cases: [([String], String)] = [
            (["--kind", "oci", "--image", "Ubuntu:24.04"], "repository names are lower-case"),
            (["--kind", "oci", "--image", "ubuntu@sha256:" + String(repeating: "0", count: 64)], "leave out the @sha256 digest"),
            (["--kind", "oci"], "--kind oci needs --image"),
            (["--kind", "oci", "--image", "ubuntu", "--url", "https://registry.example.test"], "--kind oci takes --image, not --url"),
            (["--kind", "oci", "--image", "ubuntu", "--follow-changes"], "--follow-changes applies to --kind file only"),
            (["k", "--kind", "file", "--url", "https://keys.example.test/k.pub", "--immutable"], "--immutable applies to --kind oci only"),
            (["k", "--kind", "file", "--image", "ubuntu"], "--image applies to --kind oci only"),
            (["--kind", "file", "--url", "https://keys.example.test/k.pub"], "a --kind file target needs an id"),
            (["k", "--kind", "zip", "--url", "https://keys.example.test/k.pub"], "--kind must be notary, tuf, oci or file"),
        ]
        for (arguments, message) in cases {
            let result = try await CLI.run(["targets", "add"] + arguments + ["--coordinator", "http://127.0.0.1:9"])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").first?.contains(message) == true, "\(arguments): \(result.stderr)")
        }
    }

    @Test("targets add creates oci and file targets; targets list shows the reference and no version")
    func addAndList() async throws {
        let scratch = try Scratch("vantage-content-add")
        defer { scratch.remove() }
        var configuration = try LoopbackCoordinator.configuration(state: scratch.path)
        configuration.adminTokens = [Self.token]
        try await LoopbackCoordinator.run(configuration) { url, _ in
            let c = ["--coordinator", url, "--token", Self.token]
            // Positive controls of the refusals above: the same options, fitting the kind.
            let oci = try await CLI.run(["targets", "add", "--kind", "oci", "--image", "ubuntu:24.04", "--immutable"] + c)
            #expect(oci.status == 0, "\(oci.stderr)")
            #expect(oci.stderr.contains("added docker.io/library/ubuntu:24.04"))
            let named = try await CLI.run(["targets", "add", "app", "--kind", "oci", "--image", "ghcr.io/org/app:1.2"] + c)
            #expect(named.status == 0, "\(named.stderr)")
            let file = try await CLI.run(["targets", "add", "k", "--kind", "file", "--url", "https://keys.example.test/k.pub", "--follow-changes"] + c)
            #expect(file.status == 0, "\(file.stderr)")

            let list = try await CLI.run(["targets", "list", "--format", "json", "--coordinator", url])
            let targets = try JSONDecoder().decode([TargetStatus].self, from: Data(list.stdout.utf8))
            #expect(
                Set(targets.map(\.spec)) == [
                    TargetSpec(
                        id: "docker.io/library/ubuntu:24.04", kind: .oci, url: "https://registry-1.docker.io", repository: "library/ubuntu",
                        tag: "24.04", changes: .hold),
                    TargetSpec(id: "app", kind: .oci, url: "https://ghcr.io", repository: "org/app", tag: "1.2"),
                    TargetSpec(id: "k", kind: .file, url: "https://keys.example.test/k.pub", changes: .follow),
                ])
            let table = try await CLI.run(["targets", "list", "--coordinator", url])
            let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("app ") })
            #expect(row.contains("ghcr.io/org/app:1.2"), "\(row)")
            #expect(!row.contains("https://ghcr.io"), "\(row)")
        }
    }

    @Test(
        "query, history, targets list and status of a key file one agent sees otherwise",
        .enabled(if: KeyFileSamples.hasSSHKeygen))
    func keyFileQueryAndHistory() async throws {
        let scratch = try Scratch("vantage-content-query")
        defer { scratch.remove() }
        let agents = [("a1", "eu"), ("a2", "us"), ("a3", "ap")].map { (id: $0.0, region: $0.1, key: SigningIdentity()) }
        var configuration = try LoopbackCoordinator.configuration(state: scratch.path)
        configuration.adminTokens = [Self.token]
        configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) }
        let spec = TargetSpec(id: "release-key", kind: .file, url: "https://keys.example.test/release.pub")
        configuration.targets = [spec]
        let keys = try await KeyFileSamples.ssh.value
        let pinnedFile = try #require(keys["ed25519"]), otherFile = try #require(keys["ecdsa"])
        let now = Timestamp(Date())
        func observation(_ agent: Agent, _ file: KeyFileSamples.File, at: Timestamp) throws -> SignedObservation {
            try Self.observation(
                agent, spec, bytes: file.bytes, facts: ContentFacts(sha256: Self.sha256(file.bytes), size: file.bytes.count, keys: file.keys.isEmpty ? nil : file.keys),
                at: at)
        }

        try await LoopbackCoordinator.run(configuration) { url, coordinator in
            let http = try HTTPClientFactory.make()
            do {
                let client = CoordinatorClient(baseURL: url, http: http)
                let first = try await client.submit(ObservationBatch(observations: [
                    try observation(agents[0], pinnedFile, at: now.adding(seconds: -100)),
                    try observation(agents[1], pinnedFile, at: now.adding(seconds: -90)),
                ]))
                #expect(first.items.allSatisfy { $0.accepted }, "\(first.items)")
                _ = try await coordinator.consensus.evaluateNow()
                let other = try await client.submit(ObservationBatch(observations: [try observation(agents[2], otherFile, at: now.adding(seconds: -50))]))
                #expect(other.items.allSatisfy { $0.accepted }, "\(other.items)")
                _ = try await coordinator.consensus.evaluateNow()
                try await check(url: url, pinned: pinnedFile, other: otherFile, at: now)
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    func check(url: String, pinned: KeyFileSamples.File, other: KeyFileSamples.File, at now: Timestamp) async throws {
        let c = ["--coordinator", url]
        let pinnedDigest = Self.sha256(pinned.bytes), otherDigest = Self.sha256(other.bytes)
        let fingerprint = try #require(pinned.keys.first?.fingerprint), otherFingerprint = try #require(other.keys.first?.fingerprint)

        let query = try await CLI.run(["query", "release-key"] + c)
        #expect(query.status == 0, "agreed: \(query.stderr)")
        #expect(query.stdout.contains("pinned      sha256:\(pinnedDigest)"), "\(query.stdout)")
        #expect(query.stdout.contains("keys        ssh \(fingerprint)"), "\(query.stdout)")
        #expect(query.stdout.contains("changes hold"), "\(query.stdout)")
        #expect(query.stdout.contains("a3 (ap): sha256:\(otherDigest) ssh \(otherFingerprint)"), "\(query.stdout)")
        #expect(!query.stdout.contains("root keys") && !query.stdout.contains(" v0 "), "\(query.stdout)")
        let queryJSON = try await CLI.run(["query", "release-key", "--format", "json"] + c)
        #expect(queryJSON.status == query.status)
        let status = try JSONDecoder().decode(TargetStatus.self, from: Data(queryJSON.stdout.utf8))
        #expect(status.pinned?.content?.keys == pinned.keys)
        #expect(status.content(of: otherDigest)?.keys == other.keys)
        #expect(status.views.first { $0.agent == "a3" }?.sha256 == otherDigest)

        let history = try await CLI.run(["history", "release-key"] + c)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.hasPrefix("digests (quorum 2 agents)\n"), "\(history.stdout)")
        let pinnedRow = try #require(history.stdout.split(separator: "\n").first { $0.hasPrefix("sha256:\(pinnedDigest.prefix(16))") })
        #expect(pinnedRow.contains(now.adding(seconds: -90).description), "quorum first sight: \(pinnedRow)")
        let pinRow = try #require(history.stdout.split(separator: "\n").first { $0.contains(String(pinnedDigest.prefix(16))) && $0.contains("first") })
        #expect(pinRow.contains(" - "), "no version for content: \(pinRow)")
        let historyJSON = try await CLI.run(["history", "release-key", "--format", "json"] + c)
        let timeline = try JSONDecoder().decode(TargetHistory.self, from: Data(historyJSON.stdout.utf8))
        #expect(timeline.quorum == 2)
        #expect(timeline.digests?.map(\.sha256) == [pinnedDigest, otherDigest])
        #expect(timeline.digests?.map(\.quorumFirstSeen) == [now.adding(seconds: -90), nil])

        let list = try await CLI.run(["targets", "list"] + c)
        let row = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("release-key ") })
        #expect(row.contains("https://keys.example.test/release.pub") && row.contains(String(pinnedDigest.prefix(16))), "\(row)")
        #expect(!row.contains(" 0 "), "\(row)")
        let coordinatorStatus = try await CLI.run(["status"] + c)
        #expect(coordinatorStatus.stdout.contains("targets "), "\(coordinatorStatus.stdout)")
    }

    /// An image index written out here, with the platforms it lists (the facts come from the fixture, not the code
    /// under test): `query` shows its media type and each platform's manifest digest.
    @Test("query of an image tag shows the index's media type and platforms")
    func imageIndexQuery() async throws {
        let scratch = try Scratch("vantage-content-oci")
        defer { scratch.remove() }
        let agents = [("a1", "eu"), ("a2", "us")].map { (id: $0.0, region: $0.1, key: SigningIdentity()) }
        var configuration = try LoopbackCoordinator.configuration(state: scratch.path)
        configuration.agents = agents.map { AgentEnrollment(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) }
        let spec = try TargetSpec.image(id: "app", reference: "registry.example.test/team/app:1.0")
        configuration.targets = [spec]
        let platforms = [
            ImagePlatform(os: "linux", architecture: "amd64", digest: "sha256:" + String(repeating: "1", count: 64)),
            ImagePlatform(os: "linux", architecture: "arm64", variant: "v8", digest: "sha256:" + String(repeating: "2", count: 64)),
        ]
        let entries = platforms.map { p in
            let variant = p.variant.map { #","variant":"\#($0)""# } ?? ""
            let platform = #"{"os":"\#(p.os)","architecture":"\#(p.architecture)"\#(variant)}"#
            return #"{"mediaType":"\#(ManifestFacts.ociManifest)","digest":"\#(p.digest)","size":500,"platform":\#(platform)}"#
        }
        let bytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ManifestFacts.ociIndex)","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
        let facts = ContentFacts(sha256: Self.sha256(bytes), size: bytes.count, mediaType: ManifestFacts.ociIndex, platforms: platforms)

        try await LoopbackCoordinator.run(configuration) { url, coordinator in
            let http = try HTTPClientFactory.make()
            do {
                let receipt = try await CoordinatorClient(baseURL: url, http: http).submit(ObservationBatch(observations: try agents.map {
                    try Self.observation($0, spec, bytes: bytes, facts: facts, at: Timestamp(Date()))
                }))
                #expect(receipt.items.allSatisfy { $0.accepted }, "\(receipt.items)")
                _ = try await coordinator.consensus.evaluateNow()
                let query = try await CLI.run(["query", "app", "--coordinator", url])
                #expect(query.status == 0, "\(query.stderr)")
                #expect(query.stdout.contains("(oci registry.example.test/team/app:1.0, changes follow)"), "\(query.stdout)")
                #expect(query.stdout.contains("pinned      sha256:\(facts.sha256)\n"), "\(query.stdout)")
                #expect(query.stdout.contains("media type  \(ManifestFacts.ociIndex)\n"), "\(query.stdout)")
                let platformLines = "platforms   linux/amd64 \(platforms[0].digest)\n            linux/arm64/v8 \(platforms[1].digest)\n"
                #expect(query.stdout.contains(platformLines), "\(query.stdout)")
                #expect(!query.stdout.contains("differs"), "\(query.stdout)")
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    typealias Agent = (id: String, region: String, key: SigningIdentity)

    /// `agent`'s signed first sight of `bytes` (whose facts are `facts`) for `spec`, sent with the bytes.
    static func observation(_ agent: Agent, _ spec: TargetSpec, bytes: [UInt8], facts: ContentFacts, at: Timestamp) throws -> SignedObservation {
        try SignedObservation(
            signing: Observation(
                agent: agent.id, region: agent.region, target: spec.id, source: try #require(spec.source), observedAt: at,
                sequence: Int64.random(in: 1...1_000_000), latencyMilliseconds: 5, continuity: .firstSight, content: facts),
            with: agent.key, rootBytes: bytes)
    }

    static func sha256(_ bytes: [UInt8]) -> String { ByteEncoding.hexEncode(SHA256.hash(data: bytes)) }
}
