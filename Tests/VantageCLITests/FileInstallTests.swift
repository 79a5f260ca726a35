import Foundation
import Testing
import VantageCore
import VantageTestSupport
import VantageTUF

/// `vantage-pins install TARGET --for file`: a key file's consensus bytes written atomically, with the fingerprint the
/// key's own tool shows; other bytes, another kind of pin and a held change are refused with nothing written.
@Suite("vantage-pins install --for file (black box)")
struct FileInstallTests {
    typealias World = PinsRefusalTests.World
    static let url = "https://download.example.test/linux/debian/gpg"
    static let source = RepositorySource(kind: .file, url: url, gun: nil)!
    static let hasGPG = ChildProcess.which("gpg") != nil
    static let hasSSHKeygen = ChildProcess.which("ssh-keygen") != nil

    /// Installs `bytes` pinned as target `docker-key` (first sight), served from a blob folder.
    func install(_ w: World, _ bytes: [UInt8], out: String, pin: Pin? = nil, blob: [UInt8]? = nil, extra: [String] = []) async throws -> CLI.Result {
        let blobs = w.dir.appendingPathComponent("blobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(blob ?? bytes).write(to: blobs.appendingPathComponent(World.sha256(bytes)))
        let pin = try pin ?? w.pin("docker-key", Self.source, sha256: World.sha256(bytes))
        return try await CLI.run(["install", pin.target, "--for", "file", "--out", out, "--source", Self.url,
                                  "--policy", try w.policy(targets: []), "--pins", try w.write(try w.list(pins: [pin]), "pins-\(UUID().uuidString).json"),
                                  "--blob-dir", blobs.path, "--state", w.dir.appendingPathComponent("s-\(UUID().uuidString)").path] + extra,
                                 tool: "vantage-pins")
    }

    @Test("an armored OpenPGP key made by gpg: installed 0644, and gpg --show-keys shows the fingerprint vantage-pins printed",
          .enabled(if: hasGPG, "needs gpg (Debian: gnupg)"))
    func openPGP() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let home = w.dir.appendingPathComponent("gnupg").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let env = ["GNUPGHOME": home]
        let made = try await CLI.exec("/usr/bin/gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Repo Signing <repo@example.test>", "ed25519", "sign", "never"],
                                      environment: env)
        #expect(made.status == 0, "\(made.stderr)")
        let key = Array(try await CLI.exec("/usr/bin/gpg", ["--armor", "--export", "repo@example.test"], environment: env).stdout.utf8)
        let out = w.dir.appendingPathComponent("etc/apt/keyrings/docker.asc").path
        let result = try await install(w, key, out: out)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(FileManager.default.contents(atPath: out).map(Array.init) == key)
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int == 0o644)
        let shown = try await CLI.exec("/usr/bin/gpg", ["--show-keys", "--with-colons", out], environment: env)
        let fingerprint = shown.stdout.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":", omittingEmptySubsequences: false)[9]
        #expect(fingerprint != nil && result.stdout.contains("fingerprint: openpgp") && result.stdout.contains(String(fingerprint ?? "-")),
                "\(result.stdout) / \(shown.stdout)")
        #expect(try await install(w, key, out: out).stdout.contains("unchanged"))
    }

    @Test("an SSH key: ssh-keygen -lf shows the fingerprint printed; --mode; other bytes, other kinds and a held change write nothing",
          .enabled(if: hasSSHKeygen, "needs ssh-keygen (Debian: openssh-client)"))
    func sshAndRefusals() async throws {
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let keyPath = w.dir.appendingPathComponent("id").path
        #expect(try await CLI.exec("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath]).status == 0)
        let key = Array(try Data(contentsOf: URL(fileURLWithPath: keyPath + ".pub")))
        let out = w.dir.appendingPathComponent("keys/deploy.pub").path

        // Bytes that do not match the pin, a held change without approvals, the pin installed as a root: nothing written.
        let other = try await install(w, key, out: out, blob: key + Array(" ".utf8))
        #expect(other.status == 12 && other.stderr.contains("blob_mismatch"), "\(other.stderr)")
        let changed = try w.pin("docker-key", Self.source, sha256: World.sha256(key), continuity: .changed)
        let held = try await install(w, key, out: out, pin: changed)
        #expect(held.status == 12 && held.stderr.contains("unapproved_replacement"), "\(held.stderr)")
        let asRoot = try await CLI.run(["install", "docker-key", "--for", "cosign", "--out", out, "--source", Self.url, "--policy", try w.policy(targets: []),
                                        "--pins", try w.write(try w.list(pins: [try w.pin("docker-key", Self.source, sha256: World.sha256(key))]), "p.json"),
                                        "--blob-dir", w.dir.path, "--state", w.dir.appendingPathComponent("s-root").path], tool: "vantage-pins")
        #expect(asRoot.status == 12 && asRoot.stderr.contains("source_mismatch"), "\(asRoot.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
        // A root pin installed as a file: refused the same way.
        let rootAsFile = try await CLI.run(["install", World.target, "--for", "file", "--out", out, "--source", World.server, "--policy", try w.policy(targets: []),
                                            "--pins", try w.write(try w.list([try w.attestation("a1"), try w.attestation("a2")]), "root.json"),
                                            "--blob-dir", w.dir.path, "--state", w.dir.appendingPathComponent("s-file").path], tool: "vantage-pins")
        #expect(rootAsFile.status == 12 && rootAsFile.stderr.contains("source_mismatch"), "\(rootAsFile.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")

        // Positive control: the genuine bytes, mode 0600.
        let result = try await install(w, key, out: out, extra: ["--mode", "0600"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int == 0o600)
        let listed = try await CLI.exec("/usr/bin/ssh-keygen", ["-lf", out])
        let fingerprint = listed.stdout.split(separator: " ").first { $0.hasPrefix("SHA256:") }
        #expect(fingerprint != nil && result.stdout.contains("fingerprint: ssh ssh-ed25519 \(fingerprint ?? "-")"), "\(result.stdout) / \(listed.stdout)")
        // Bytes holding no key: their SHA-256 is shown.
        let plain = Array("not a key\n".utf8)
        let text = try await install(w, plain, out: w.dir.appendingPathComponent("plain.txt").path)
        #expect(text.status == 0 && text.stdout.contains("sha256: \(World.sha256(plain))"), "\(text.stdout) \(text.stderr)")
    }
}
