import Foundation
import VantageTestSupport
import Testing
import VantageClient
import VantageCore
import VantageTUF

/// `vantage-pins install` on bad input: wrong client, missing or unwritable destination, unusable policy, bundles with
/// a missing or altered document. Each is refused with its documented exit code and a one-line cause, writes nothing
/// and leaves the pin state as it was; each has a positive control that installs.
@Suite("vantage-pins install: bad input and offline bundles (black box)")
struct PinsInstallInputTests {
    typealias World = PinsRefusalTests.World

    /// A world with a valid list, and an install runner that reports what it wrote.
    struct Setup {
        let w: World
        let pins: String
        let policy: String
        var state: String { w.dir.appendingPathComponent("state.json").path }
        var trust: String { w.dir.appendingPathComponent("trust").path }
        var installed: String { "\(trust)/tuf/\(World.target)/metadata/root.json" }

        init() throws {
            w = try World()
            pins = try w.write(try w.list([try w.attestation("a1"), try w.attestation("a2")]))
            policy = try w.policy()
        }

        func install(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Result {
            try await CLI.run(["install", World.target, "--server", World.server, "--state", state] + arguments, tool: "vantage-pins",
                        environment: environment)
        }

        /// Nothing installed, no state saved.
        var untouched: Bool { !FileManager.default.fileExists(atPath: trust) && !FileManager.default.fileExists(atPath: state) }

        /// A bundle of the world's list: header, the pin with its proof, the root.
        func bundle() throws -> String {
            let list = try Canonical.decode(PinList.self, from: Data(contentsOf: URL(fileURLWithPath: pins)))
            let proof = try #require(try list.proof(for: World.target))
            let directory = w.dir.appendingPathComponent("bundle-\(UUID().uuidString)").path
            let verified = VerifiedPins(header: list.header, coordinator: "c", pins: [proof.pin], intermediates: [], proofs: [proof])
            try PinBundle(directory: directory).write(verified, blobs: [w.fingerprint.sha256: w.root])
            return directory
        }
    }

    @Test("usage errors come before any file is read: wrong client, python-tuf without --out, no policy at all")
    func usageErrors() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let wrong = try await s.install(["--for", "notry", "--policy", s.policy, "--pins", s.pins, "--blob-dir", s.w.dir.path])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("notry") && wrong.stderr.contains("python-tuf"), "names the valid clients: \(wrong.stderr)")
        let noOut = try await s.install(["--for", "python-tuf", "--policy", s.policy, "--pins", s.pins, "--blob-dir", s.w.dir.path])
        #expect(noOut.status == 64)
        #expect(noOut.stderr.contains("--out"), "\(noOut.stderr)")
        let wrongOption = try await s.install(["--for", "cosign", "--trust-dir", s.trust, "--policy", s.policy, "--pins", s.pins])
        #expect(wrongOption.status == 64)
        #expect(wrongOption.stderr.contains("--trust-dir is for notary and docker"), "\(wrongOption.stderr)")
        let noPolicy = try await s.install(["--for", "notary", "--pins", s.pins, "--blob-dir", s.w.dir.path], environment: ["VANTAGE_POLICY": ""])
        #expect(noPolicy.status == 64)
        #expect(noPolicy.stderr.contains("VANTAGE_POLICY"), "\(noPolicy.stderr)")
        #expect(s.untouched)
        // Positive control: the same install with the policy in VANTAGE_POLICY writes the root.
        let good = try await s.install(["--for", "notary", "--trust-dir", s.trust, "--pins", s.pins, "--blob-dir", s.w.dir.path],
                                 environment: ["VANTAGE_POLICY": s.policy])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(FileManager.default.contents(atPath: s.installed).map(Array.init) == s.w.root)
        #expect(good.stdout.contains("use: notary -s \(World.server) -d \(s.trust) list \(World.target)"), "\(good.stdout)")
    }

    @Test("--for of the other kind than the policy's target: a usage error naming the kind and the --for to use")
    func wrongKindForTarget() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        var policy = try Canonical.decode(TrustPolicy.self, from: Data(contentsOf: URL(fileURLWithPath: s.policy)))
        policy.targets = [.init(id: World.target, source: World.source)]
        try Data(try Canonical.encode(policy)).write(to: URL(fileURLWithPath: s.policy))
        let out = s.w.dir.appendingPathComponent("meta").path
        let tuf = try await CLI.run(["install", World.target, "--for", "python-tuf", "--out", out, "--policy", s.policy, "--pins", s.pins,
                                     "--blob-dir", s.w.dir.path, "--state", s.state], tool: "vantage-pins")
        #expect(tuf.status == 64, "\(tuf.stderr)")
        #expect(tuf.stderr.contains("is a Notary repository") && tuf.stderr.contains("use --for notary, docker"), "\(tuf.stderr)")
        #expect(!tuf.stderr.contains("GUN"), "\(tuf.stderr)")
        #expect(s.untouched)
        // Positive control: the same install --for notary (the policy names the server and GUN) writes the root.
        let notary = try await CLI.run(["install", World.target, "--for", "notary", "--trust-dir", s.trust, "--policy", s.policy, "--pins", s.pins,
                                        "--blob-dir", s.w.dir.path, "--state", s.state], tool: "vantage-pins")
        #expect(notary.status == 0, "\(notary.stderr)")
    }

    @Test("with a private CA (--ca-bundle) the printed notary command passes it as --tlscacert")
    func notaryCommandWithPrivateCA() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let ca = s.w.dir.appendingPathComponent("ca.crt").path
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: ca))
        let base = ["--for", "notary", "--trust-dir", s.trust, "--policy", s.policy, "--pins", s.pins, "--blob-dir", s.w.dir.path]
        let withCA = try await s.install(base + ["--ca-bundle", ca])
        #expect(withCA.status == 0, "\(withCA.stderr)")
        #expect(withCA.stdout.contains("use: notary -s \(World.server) -d \(s.trust) --tlscacert \(ca) list \(World.target)"), "\(withCA.stdout)")
        // Positive control: without a private CA, no --tlscacert.
        let plain = try await s.install(base)
        #expect(plain.status == 0 && !plain.stdout.contains("--tlscacert"), "\(plain.stdout)")
    }

    @Test("a trust policy that is not JSON, not a policy, or a folder: exit 78 with the path; nothing written")
    func unusablePolicy() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let garbage = s.w.dir.appendingPathComponent("garbage.json").path
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: garbage))
        let notPolicy = s.w.dir.appendingPathComponent("other.json").path
        try Data(#"{"type":"something-else"}"#.utf8).write(to: URL(fileURLWithPath: notPolicy))
        for policy in [garbage, notPolicy, s.w.dir.path, s.w.dir.appendingPathComponent("missing.json").path] {
            let result = try await s.install(["--for", "notary", "--trust-dir", s.trust, "--policy", policy, "--pins", s.pins, "--blob-dir", s.w.dir.path])
            #expect(result.status == 78, "\(policy): \(result.stderr)")
            #expect(result.stderr.contains("trust policy \(policy):"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        #expect(s.untouched)
    }

    @Test("an unwritable destination is refused before verification (exit 73); nothing written, state unchanged")
    func unwritableDestination() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        // A file where the trust dir's folder must be (root can write anywhere, so permissions alone prove nothing).
        let blocked = s.w.dir.appendingPathComponent("blocked").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocked))
        let result = try await s.install(["--for", "notary", "--trust-dir", blocked + "/trust", "--policy", s.policy, "--pins", s.pins,
                                    "--blob-dir", s.w.dir.path])
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.contains(blocked), "\(result.stderr)")
        let folderInPlace = s.w.dir.appendingPathComponent("root-as-folder").path
        try FileManager.default.createDirectory(atPath: folderInPlace, withIntermediateDirectories: true)
        let sigstore = try await s.install(["--for", "sigstore", "--out", folderInPlace, "--policy", s.policy, "--pins", s.pins,
                                      "--blob-dir", s.w.dir.path])
        #expect(sigstore.status == 73, "\(sigstore.stderr)")
        #expect(sigstore.stderr.contains("is a folder"), "\(sigstore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.state))
    }

    @Test("a bundle installs offline; a missing or altered blob or a missing header is refused and writes nothing")
    func bundles() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        func install(_ bundle: String) async throws -> CLI.Result {
            try await s.install(["--for", "notary", "--trust-dir", s.trust, "--policy", s.policy, "--bundle", bundle])
        }
        let missingBlob = try s.bundle()
        try FileManager.default.removeItem(atPath: "\(missingBlob)/blobs/\(s.w.fingerprint.sha256).json")
        let noBlob = try await install(missingBlob)
        #expect(noBlob.status == 66, "\(noBlob.stderr)")
        #expect(noBlob.stderr.contains("has no blob"), "\(noBlob.stderr)")

        let altered = try s.bundle()
        try Data(s.w.root + [0x0A]).write(to: URL(fileURLWithPath: "\(altered)/blobs/\(s.w.fingerprint.sha256).json"))
        let badBlob = try await install(altered)
        #expect(badBlob.status == 12, "\(badBlob.stderr)")
        #expect(badBlob.stderr.contains("blob_mismatch"), "\(badBlob.stderr)")

        let headless = try s.bundle()
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(headless)/headers") {
            try FileManager.default.removeItem(atPath: "\(headless)/headers/\(name)")
        }
        let noHeader = try await install(headless)
        #expect(noHeader.status == 66, "\(noHeader.stderr)")
        #expect(s.untouched)

        // Positive control: the untouched bundle installs the exact root with no network, and records the list.
        let good = try await install(try s.bundle())
        #expect(good.status == 0, "\(good.stderr)")
        #expect(FileManager.default.contents(atPath: s.installed).map(Array.init) == s.w.root)
        #expect(FileManager.default.fileExists(atPath: s.state))
    }
}

@Suite("CLI configuration file (black box)")
struct CLIConfigFileTests {
    @Test("an unknown key in the CLI config stops the command (exit 78) with the key it meant; the right spelling is read")
    func unknownKey() async throws {
        let scratch = try Scratch("vantage-cliconf")
        defer { scratch.remove() }
        let dir = scratch.url
        let file = dir.appendingPathComponent("config.json").path
        try Data(#"{"coordinater": "http://127.0.0.1:9"}"#.utf8).write(to: URL(fileURLWithPath: file))
        let typo = try await CLI.run(["status", "--config", file])
        #expect(typo.status == 78, "\(typo.stderr)")
        #expect(typo.stderr.contains("unknown key coordinater (did you mean coordinator?)"), "\(typo.stderr)")
        // Positive control: spelt right, the file is read (the coordinator it names is then tried: nothing listens there).
        try Data(#"{"coordinator": "http://127.0.0.1:9"}"#.utf8).write(to: URL(fileURLWithPath: file))
        let read = try await CLI.run(["status", "--config", file])
        #expect(read.status == 1, "\(read.stderr)")
        #expect(read.stderr.contains("127.0.0.1:9"), "\(read.stderr)")
    }
}
