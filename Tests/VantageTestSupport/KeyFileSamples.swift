import Foundation
import VantageTUF

/// Key files made at test time by the real tools, each with the keys those tools print for it: the expected values
/// of the key file tests (`KeyFileFacts`, the agent's `file` targets) come from gpg, ssh-keygen and openssl, never
/// from the code under test.
public enum KeyFileSamples {
    public static let hasGPG = ChildProcess.which("gpg") != nil && ChildProcess.which("gpgconf") != nil
    public static let hasSSHKeygen = ChildProcess.which("ssh-keygen") != nil
    public static let hasOpenSSL = ChildProcess.which("openssl") != nil && ChildProcess.which("sha256sum") != nil

    /// A key file and the keys its tool printed for it, in file order.
    public struct File: Sendable {
        public var bytes: [UInt8]
        public var keys: [KeyFingerprint]
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Made once per test process (each generation runs the tool; RSA takes a moment).
    public static let openPGP = Task { try await makeOpenPGP() }
    public static let ssh = Task { try await makeSSH() }
    public static let pem = Task { try await makePEM() }

    /// Runs a tool to completion and returns its stdout; a failure names the command and its output.
    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let result = try await runCommand(tool, arguments)
        guard result.status == 0 else { throw TestFailure("\(tool) \(arguments.joined(separator: " ")): \(result)") }
        return result.stdout
    }

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    // MARK: OpenPGP

    /// `a`: ed25519 primary with a cv25519 subkey; `b`: rsa2048; `both`: a keyring of the two. Each exported
    /// binary (`.gpg`) and armored (`.asc`); `a-comment.asc` is `a` armored with a `Comment:` header.
    static func makeOpenPGP() async throws -> [String: File] {
        let scratch = try Scratch("vantage-gpg")
        defer { scratch.remove() }
        let home = try scratch.directory("home")
        chmod(home, 0o700)
        let gpg = { (arguments: [String]) async throws -> String in
            try await run("gpg", ["--batch", "--homedir", home, "--passphrase", "", "--pinentry-mode", "loopback"] + arguments)
        }
        do {
            _ = try await gpg(["--quick-gen-key", "Key A <a@example.org>", "ed25519", "sign", "never"])
            _ = try await gpg(["--quick-gen-key", "Key B <b@example.org>", "rsa2048", "sign", "never"])
            let listed = try await gpg(["--with-colons", "--list-keys", "a@example.org"])
            guard let a = primaryKeys(colons: listed).first?.fingerprint else { throw TestFailure("no key A: \(listed)") }
            _ = try await gpg(["--quick-add-key", a, "cv25519", "encr", "never"])
            var files: [String: File] = [:]
            for (name, selector) in [("a", ["a@example.org"]), ("b", ["b@example.org"]), ("both", [])] {
                for (suffix, armor) in [("gpg", [String]()), ("asc", ["--armor"])] {
                    let path = scratch.file("\(name).\(suffix)")
                    _ = try await gpg(["--output", path] + armor + ["--export"] + selector)
                    let shown = try await gpg(["--with-colons", "--show-keys", path])
                    files["\(name).\(suffix)"] = File(bytes: try read(path), keys: primaryKeys(colons: shown))
                }
            }
            // Armor with a header line before the data.
            let commented = scratch.file("a-comment.asc")
            _ = try await gpg(["--output", commented, "--armor", "--comment", "a test key", "--export", "a@example.org"])
            let shown = try await gpg(["--with-colons", "--show-keys", commented])
            files["a-comment.asc"] = File(bytes: try read(commented), keys: primaryKeys(colons: shown))
            _ = try? await run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"])
            return files
        } catch {
            _ = try? await run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"])
            throw error
        }
    }

    /// The primary keys of `gpg --with-colons` output: each `pub` line's algorithm (field 4) with the `fpr` line
    /// that follows it (field 10); subkeys (`sub`) are not primary keys.
    static func primaryKeys(colons: String) -> [KeyFingerprint] {
        var keys: [KeyFingerprint] = []
        var algorithm: String?
        for line in colons.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch fields[0] {
            case "pub":
                algorithm = fields[3]
            case "fpr":
                if let pending = algorithm, fields.count > 9 {
                    keys.append(KeyFingerprint(format: .openpgp, algorithm: pending, fingerprint: fields[9]))
                }
                algorithm = nil
            default:
                algorithm = nil
            }
        }
        return keys
    }

    // MARK: OpenSSH

    /// One public key line per `ssh-keygen -t` type, keyed by that type.
    static func makeSSH() async throws -> [String: File] {
        let scratch = try Scratch("vantage-ssh")
        defer { scratch.remove() }
        var files: [String: File] = [:]
        for type in ["ed25519", "ecdsa", "rsa"] {
            let path = scratch.file(type)
            _ = try await run("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test \(type)", "-f", path])
            files[type] = File(bytes: try read(path + ".pub"), keys: try await sshKeygenKeys(path + ".pub"))
        }
        return files
    }

    /// What `ssh-keygen -lf` prints for each key line of a file: `bits SHA256:… comment (TYPE)`, with the algorithm
    /// taken from the key line itself, since ssh-keygen prints only a short name.
    public static func sshKeygenKeys(_ path: String) async throws -> [KeyFingerprint] {
        let printed = try await run("ssh-keygen", ["-lf", path]).split(separator: "\n")
        // ssh-keygen skips blank and comment lines.
        let lines = String(decoding: try read(path), as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        guard printed.count == lines.count else { throw TestFailure("ssh-keygen printed \(printed) for \(lines)") }
        return zip(printed, lines).map { printed, line in
            KeyFingerprint(
                format: .ssh, algorithm: String(line.split(separator: " ")[0]),
                fingerprint: String(printed.split(separator: " ")[1]))
        }
    }

    // MARK: PEM

    /// `openssl genpkey` keys, `openssl pkey -pubout` PEM, keyed by the algorithm name Vantage reports for them.
    public static let pemAlgorithms: [String: [String]] = [
        "ed25519": ["-algorithm", "ed25519"],
        "ecdsa-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "ecdsa-p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    ]

    static func makePEM() async throws -> [String: File] {
        let scratch = try Scratch("vantage-pem")
        defer { scratch.remove() }
        var files: [String: File] = [:]
        for (name, options) in pemAlgorithms {
            let key = scratch.file(name + ".key")
            let pub = scratch.file(name + ".pub")
            let der = scratch.file(name + ".der")
            _ = try await run("openssl", ["genpkey"] + options + ["-out", key])
            _ = try await run("openssl", ["pkey", "-in", key, "-pubout", "-out", pub])
            _ = try await run("openssl", ["pkey", "-pubin", "-in", pub, "-outform", "DER", "-out", der])
            let digest = String(try await run("sha256sum", [der]).prefix(64))
            files[name] = File(bytes: try read(pub), keys: [KeyFingerprint(format: .pem, algorithm: name, fingerprint: digest)])
        }
        return files
    }
}
