import Foundation
import VantageTestSupport
import Testing

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
            server = try BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"),
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
