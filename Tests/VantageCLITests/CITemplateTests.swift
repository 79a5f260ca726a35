import Foundation
import VantageTestSupport
import Testing
import VantageClient
import VantageCore

/// The CI templates in `ci/`, parsed and run literally by `Tests/Support/ci_template.py`: the GitHub composite action
/// and the GitLab snippet download the verifier from a loopback server, check its SHA-256, verify an offline bundle and
/// install the pinned root; a wrong digest stops them before anything runs.
@Suite("CI templates: GitHub composite action and GitLab snippet, run as written", .serialized)
struct CITemplateTests {
    typealias Setup = PinsInstallInputTests.Setup
    typealias World = PinsRefusalTests.World

    static let runner = PackagePaths.support("ci_template.py")
    static let action = PackagePaths.path("ci/github/action.yml")
    static let snippet = PackagePaths.path("ci/gitlab/vantage-pins.gitlab-ci.yml")

    /// The built verifier served over HTTP as a release artefact, with its digest.
    struct Release {
        let server: BackgroundServer
        let url: String
        let sha256: String

        init(_ w: World) async throws {
            let folder = w.dir.appendingPathComponent("release").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let binary = folder + "/vantage-pins-linux-x86_64"
            try FileManager.default.copyItem(atPath: PackagePaths.executable("vantage-pins"), toPath: binary)
            sha256 = String(try await CLI.exec("/usr/bin/sha256sum", [binary]).stdout.prefix(64))
            server = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"),
                                           "--dir", folder, "--quiet", "--watch-stdin"])
            url = "http://127.0.0.1:\(server.port)/files/vantage-pins-linux-x86_64"
        }
    }

    @Test("the GitHub action installs for notary from a bundle and outputs the client command; a wrong binary digest stops it")
    func github() async throws {
        let s = try Setup()
        let release = try await Release(s.w)
        defer {
            release.server.stop()
            try? FileManager.default.removeItem(at: s.w.dir)
        }
        func run(sha256: String) async throws -> CLI.Result {
            try await CLI.exec("/usr/bin/python3", [
                Self.runner, "github", Self.action, "--clean-env",
                "--input", "target=\(World.target)", "--input", "client=notary", "--input", "server=\(World.server)",
                "--input", "policy=\(s.policy)", "--input", "bundle=\(try s.bundle())", "--input", "trust-dir=\(s.trust)",
                "--input", "binary-url=\(release.url)", "--input", "binary-sha256=\(sha256)",
                "--env", "XDG_STATE_HOME=\(s.w.dir.path)/state",
            ])
        }
        let tampered = try await run(sha256: String(repeating: "0", count: 64))
        #expect(tampered.status != 0)
        #expect(!FileManager.default.fileExists(atPath: s.installed), "nothing installed with a wrong digest")

        let result = try await run(sha256: release.sha256)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(FileManager.default.contents(atPath: s.installed).map(Array.init) == s.w.root)
        let outputs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        #expect(outputs?["command"] == "notary -s \(World.server) -d \(s.trust) list \(World.target)", "\(result.stdout)")
    }

    @Test("the GitLab snippet installs for docker from a bundle and exports the command to the job's script, in sh and bash")
    func gitlab() async throws {
        let s = try Setup()
        let release = try await Release(s.w)
        defer {
            release.server.stop()
            try? FileManager.default.removeItem(at: s.w.dir)
        }
        for shell in ["sh", "bash"] {
            let trust = s.w.dir.appendingPathComponent("docker-\(shell)/trust").path
            let result = try await CLI.exec("/usr/bin/python3", [
                Self.runner, "gitlab", Self.snippet, "--job", ".vantage-pins", "--clean-env", "--shell", shell,
                "--var", "VANTAGE_TARGET=\(World.target)", "--var", "VANTAGE_CLIENT=docker", "--var", "VANTAGE_SERVER=\(World.server)",
                "--var", "VANTAGE_POLICY=\(s.policy)", "--var", "VANTAGE_BUNDLE=\(try s.bundle())", "--var", "VANTAGE_TRUST_DIR=\(trust)",
                "--var", "VANTAGE_BINARY_URL=\(release.url)", "--var", "VANTAGE_BINARY_SHA256=\(release.sha256)",
                "--var", "XDG_STATE_HOME=\(s.w.dir.path)/state-\(shell)",
                "--script", #"echo "command: $VANTAGE_COMMAND""#,
            ])
            #expect(result.status == 0, "\(shell): \(result.stdout) \(result.stderr)")
            #expect(FileManager.default.contents(atPath: "\(trust)/tuf/\(World.target)/metadata/root.json").map(Array.init) == s.w.root, "\(shell)")
            #expect(result.stdout.contains("DOCKER_CONTENT_TRUST_SERVER=\(World.server) docker trust inspect \(World.target)"), "\(shell): \(result.stdout)")
        }
    }
}

/// The templates' steps for images and key files: resolve an image, pin a Dockerfile and install a key file from one
/// offline bundle whose pins the policy's targets name.
extension CITemplateTests {
    struct ContentBundle {
        let w = try! World()
        let image = try! World.image("ubuntu:24.04")
        let digest = World.sha256(Array("manifest".utf8))
        let key = Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ci@example.test\n".utf8)
        var dockerfile: String { w.dir.appendingPathComponent("Dockerfile").path }
        var keyPath: String { w.dir.appendingPathComponent("keys/deploy.pub").path }
        var pinned: String { "docker.io/library/ubuntu:24.04@sha256:\(digest)" }

        /// The policy (targets `ubuntu` and `deploy-key`), a bundle of both pins, and a Dockerfile to pin.
        func write() throws -> (policy: String, bundle: String) {
            let file = RepositorySource(kind: .file, url: FileInstallTests.url, gun: nil)!
            let list = try w.list(pins: [try w.pin("ubuntu", image, sha256: digest), try w.pin("deploy-key", file, sha256: World.sha256(key))])
            let proofs = try ["deploy-key", "ubuntu"].map { try #require(try list.proof(for: $0)) }
            let bundle = w.dir.appendingPathComponent("bundle").path
            try PinBundle(directory: bundle).write(VerifiedPins(header: list.header, coordinator: "c", pins: proofs.map(\.pin), intermediates: [], proofs: proofs),
                                                   blobs: [World.sha256(key): key, digest: Array("manifest".utf8)])
            try "FROM ubuntu:24.04 AS base\n".write(toFile: dockerfile, atomically: true, encoding: .utf8)
            return (try w.policy(targets: [.init(id: "ubuntu", source: image), .init(id: "deploy-key", source: file)]), bundle)
        }
    }

    @Test("the GitHub action resolves an image, pins a Dockerfile and installs a key file from a bundle")
    func githubContent() async throws {
        let c = ContentBundle()
        let (policy, bundle) = try c.write()
        let release = try await Release(c.w)
        defer {
            release.server.stop()
            try? FileManager.default.removeItem(at: c.w.dir)
        }
        let result = try await CLI.exec("/usr/bin/python3", [
            Self.runner, "github", Self.action, "--clean-env",
            "--input", "images=ubuntu:24.04", "--input", "dockerfiles=\(c.dockerfile)",
            "--input", "target=deploy-key", "--input", "client=file", "--input", "out=\(c.keyPath)",
            "--input", "policy=\(policy)", "--input", "bundle=\(bundle)",
            "--input", "binary-url=\(release.url)", "--input", "binary-sha256=\(release.sha256)",
            "--env", "XDG_STATE_HOME=\(c.w.dir.path)/state",
        ])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let outputs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        #expect(outputs?["images"] == c.pinned, "\(result.stdout)")
        #expect(try String(contentsOfFile: c.dockerfile, encoding: .utf8) == "FROM ubuntu:24.04@sha256:\(c.digest) AS base\n")
        #expect(FileManager.default.contents(atPath: c.keyPath).map(Array.init) == c.key)
        #expect(result.stderr.contains("fingerprint: ssh ssh-ed25519 SHA256:"), "\(result.stderr)")
    }

    @Test("the GitLab snippet resolves an image, pins a Dockerfile and installs a key file from a bundle, in sh")
    func gitlabContent() async throws {
        let c = ContentBundle()
        let (policy, bundle) = try c.write()
        let release = try await Release(c.w)
        defer {
            release.server.stop()
            try? FileManager.default.removeItem(at: c.w.dir)
        }
        let result = try await CLI.exec("/usr/bin/python3", [
            Self.runner, "gitlab", Self.snippet, "--job", ".vantage-pins", "--clean-env", "--shell", "sh",
            "--var", "VANTAGE_IMAGES=ubuntu:24.04", "--var", "VANTAGE_DOCKERFILES=\(c.dockerfile)",
            "--var", "VANTAGE_TARGET=deploy-key", "--var", "VANTAGE_CLIENT=file", "--var", "VANTAGE_OUT=\(c.keyPath)",
            "--var", "VANTAGE_POLICY=\(policy)", "--var", "VANTAGE_BUNDLE=\(bundle)",
            "--var", "VANTAGE_BINARY_URL=\(release.url)", "--var", "VANTAGE_BINARY_SHA256=\(release.sha256)",
            "--var", "XDG_STATE_HOME=\(c.w.dir.path)/state",
            "--script", #"echo "resolved: $VANTAGE_RESOLVED""#,
        ])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("resolved: \(c.pinned)"), "\(result.stdout)")
        #expect(try String(contentsOfFile: c.dockerfile, encoding: .utf8) == "FROM ubuntu:24.04@sha256:\(c.digest) AS base\n")
        #expect(FileManager.default.contents(atPath: c.keyPath).map(Array.init) == c.key)
    }
}
