import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

/// `vantage pins verify|install` against crafted pin lists: each broken rule is refused with exit 12 and a
/// reason naming the rule, the pin and the agent.
@Suite("vantage pins refusals (black box)")
struct PinsRefusalTests {
    /// A coordinator, four agents in three regions, a Notary root and a scratch folder.
    struct World {
        let dir: URL
        let coordinator = SigningIdentity()
        let agents = [("a1", "eu"), ("a2", "us"), ("a3", "ap"), ("a4", "eu")].map { (id: $0.0, region: $0.1, key: SigningIdentity()) }
        let stranger = SigningIdentity()
        let root: [UInt8]
        let fingerprint: RootFingerprint
        let now = Timestamp(Date())
        static let target = "example.test/app"
        static let server = "https://notary.example.test"
        static let source = RepositorySource(kind: .notary, normalisedURL: server, gun: target)

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-pins-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let year = Date().addingTimeInterval(86_400 * 365)
            root = try RootFixture(
                .notary, .ecdsa, keys: 1, gun: Self.target, expires: year, certificateValidity: (Date().addingTimeInterval(-86_400), year)
            ).document(threshold: 1)
            fingerprint = RootFingerprint(try Root.parse(root))
            try Data(root).write(to: dir.appendingPathComponent(fingerprint.sha256))
        }

        func attestation(
            _ agent: String, key: SigningIdentity? = nil, at: Timestamp? = nil, continuity: Continuity = .firstSight,
            source: RepositorySource = World.source
        ) throws -> Attestation {
            let at = at ?? now.adding(seconds: -60)
            let signer = key ?? agents.first { $0.id == agent }?.key ?? stranger
            let statement = AttestationStatement(
                agent: agent, target: Self.target, source: source, sha256: fingerprint.sha256, observedAt: at, continuity: continuity)
            return Attestation(
                agent: agent, observedAt: at, continuity: continuity, signature: ByteEncoding.base64Encode(try signer.sign(try statement.signingBytes)))
        }

        func list(
            _ attestations: [Attestation], version: Int64 = 1, previous: String = "", issuedAt: Timestamp? = nil, lifetime: Int64 = 3600,
            coordinatorID: String = "c", source: RepositorySource = World.source
        ) throws -> PinList {
            let pin = Pin(target: Self.target, source: source, sha256: fingerprint.sha256, attestations: attestations)
            return try PinList.build(pins: [pin], version: version, issuedAt: issuedAt ?? now, lifetimeSeconds: lifetime,
                                     previous: previous, policy: ConsensusPolicy(), identity: coordinator, coordinatorID: coordinatorID)
        }

        func write(_ list: PinList, _ name: String = "pins.json") throws -> String {
            let path = dir.appendingPathComponent(name).path
            try Data(try Canonical.encode(list)).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// The trust policy: quorum 2 from 2 regions, max age 1 h.
        func policy() throws -> String {
            let trust = TrustPolicy(
                coordinators: [.init(id: "c", publicKey: coordinator.publicKey)],
                agents: agents.map { .init(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) },
                quorum: 2, minRegions: 2, maxAgeSeconds: 3600)
            let path = dir.appendingPathComponent("policy.json").path
            try Data(try Canonical.encode(trust)).write(to: URL(fileURLWithPath: path))
            return path
        }

        func verify(_ pins: String, state: String = "state.json") async throws -> CLI.Result {
            try await CLI.run(["pins", "verify", "--policy", try policy(), "--pins", pins, "--state", dir.appendingPathComponent(state).path])
        }
    }

    @Test("a valid list verifies; each broken rule exits 12 with its reason")
    func refusals() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let good = try w.list([try w.attestation("a1"), try w.attestation("a2")])
        let ok = try await w.verify(try w.write(good))
        #expect(ok.status == 0, "\(ok.stderr)")

        let cases: [(String, PinList, String)] = [
            ("fewer than quorum valid statements", try w.list([try w.attestation("a1")]), "quorum"),
            ("statements from unknown agents", try w.list([try w.attestation("a1"), try w.attestation("mallory", key: w.stranger)]), "unknown_agent"),
            ("a statement signed by the wrong key", try w.list([try w.attestation("a1"), try w.attestation("a2", key: w.stranger)]), "attestation_signature"),
            ("statements too old", try w.list([try w.attestation("a1", at: w.now.adding(seconds: -7200)), try w.attestation("a2")]), "stale_attestation"),
            ("two agents from one region", try w.list([try w.attestation("a1"), try w.attestation("a4")]), "quorum"),
            ("an expired list", try w.list([try w.attestation("a1"), try w.attestation("a2")], issuedAt: w.now.adding(seconds: -3700)), "expired"),
            // The key holder's attacks: the header names another coordinator (to dodge this machine's state), an old
            // list re-signed with a long life, attestations fresh only relative to a backdated issued_at.
            ("header relabelled to another coordinator id",
             try w.list([try w.attestation("a1"), try w.attestation("a2")], coordinatorID: "another-coordinator"), "coordinator_identity"),
            ("an old list re-signed with a new expiry",
             try w.list([try w.attestation("a1"), try w.attestation("a2")], issuedAt: w.now.adding(seconds: -4000), lifetime: 86_400 * 30),
             "list_too_old"),
            ("attestations fresh at the list's issue time but stale at this machine's clock",
             try w.list([try w.attestation("a1", at: w.now.adding(seconds: -5000)), try w.attestation("a2", at: w.now.adding(seconds: -5000))],
                        issuedAt: w.now.adding(seconds: -3000), lifetime: 86_400), "stale_attestation"),
            ("a quorum attesting an unchained replacement with no approvals",
             try w.list([try w.attestation("a1", continuity: .unchained), try w.attestation("a2", continuity: .unchained)]),
             "unapproved_replacement"),
            ("attestations re-labelled to another source after signing",
             try w.list([try w.attestation("a1"), try w.attestation("a2")], source: RepositorySource(kind: .notary, normalisedURL: "https://attacker.example", gun: World.target)),
             "attestation_signature"),
        ]
        for (name, list, rule) in cases {
            let result = try await w.verify(try w.write(list, "case.json"), state: "fresh-\(UUID().uuidString).json")
            #expect(result.status == 12, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains(rule) || result.stderr.contains(rule), "\(name): expected rule \(rule) in \(result.stdout) \(result.stderr)")
        }

        // Hash chain and rollback against the state of this machine (v1 accepted above).
        let v2 = try w.list([try w.attestation("a1"), try w.attestation("a2")], version: 2, previous: try good.header.digest)
        #expect(try await w.verify(try w.write(v2, "v2.json")).status == 0)
        let lower = try await w.verify(try w.write(good, "v1-again.json"))
        #expect(lower.status == 12)
        #expect(lower.stderr.contains("rollback"))
        let forked = try w.list([try w.attestation("a1"), try w.attestation("a2")], version: 3, previous: String(repeating: "0", count: 64))
        let broken = try await w.verify(try w.write(forked, "v3-forked.json"))
        #expect(broken.status == 12)
        #expect(broken.stderr.contains("chain"))
    }

    @Test("install refuses a blob whose bytes do not match the pin, and writes 0600 files in 0700 folders")
    func blobMismatchAndModes() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let pins = try w.write(try w.list([try w.attestation("a1"), try w.attestation("a2")]))
        let trust = w.dir.appendingPathComponent("trust").path
        func install(_ extra: [String] = []) async throws -> CLI.Result {
            try await CLI.run(["pins", "install", "--for", "notary", World.target, "--policy", try w.policy(), "--pins", pins, "--blob-dir", w.dir.path,
                         "--trust-dir", trust, "--state", w.dir.appendingPathComponent("s-\(UUID().uuidString)").path]
                        + (extra.contains("--server") || extra.contains("--no-server") ? extra.filter { $0 != "--no-server" } : ["--server", World.server] + extra))
        }
        let installed = try await install()
        #expect(installed.status == 0, "\(installed.stdout) \(installed.stderr)")
        let path = "\(trust)/tuf/\(World.target)/metadata/root.json"
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == w.root)
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let dirMode = try FileManager.default.attributesOfItem(atPath: "\(trust)/tuf")[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(dirMode == 0o700)
        #expect(try await install().stdout.contains("unchanged"))

        // The blob store answers with other bytes under the pinned name.
        try Data(w.root + [0x20]).write(to: w.dir.appendingPathComponent(w.fingerprint.sha256))
        let mismatch = try await install()
        #expect(mismatch.status == 12)
        #expect(mismatch.stderr.contains("blob_mismatch"))
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == w.root, "nothing written")
    }

    @Test("install binds the source: another server is refused, no source at all is a usage error; nothing written")
    func sourceBinding() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let pins = try w.write(try w.list([try w.attestation("a1"), try w.attestation("a2")]))
        let trust = w.dir.appendingPathComponent("trust").path
        let state = w.dir.appendingPathComponent("state.json").path
        func install(_ extra: [String]) async throws -> CLI.Result {
            try await CLI.run(["pins", "install", "--for", "notary", World.target, "--policy", try w.policy(), "--pins", pins, "--blob-dir", w.dir.path,
                         "--trust-dir", trust, "--state", state] + extra)
        }
        let path = "\(trust)/tuf/\(World.target)/metadata/root.json"
        let usage = try await install([])
        #expect(usage.status == 64, "\(usage.stderr)")
        #expect(usage.stderr.contains("--server"))
        let other = try await install(["--server", "https://notary.other.example"])
        #expect(other.status == 12)
        #expect(other.stderr.contains("source_mismatch"), "\(other.stderr)")
        let otherGUN = try await install(["--server", World.server, "--gun", "example.test/other"])
        #expect(otherGUN.status == 12)
        #expect(otherGUN.stderr.contains("source_mismatch"))
        #expect(!FileManager.default.fileExists(atPath: path), "nothing installed")
        #expect(!FileManager.default.fileExists(atPath: state), "client state unchanged")
        // Positive control: the same list with the client's own source (default port and case normalised) installs.
        let good = try await install(["--server", "HTTPS://Notary.Example.Test:443/"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == w.root)
    }
}
