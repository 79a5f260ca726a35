import Foundation
import VantageCore

/// The TUF clients `pins install` writes for, each at the place that client reads its trusted root.
public enum InstallClient: String, CaseIterable, Sendable {
    /// Notary v1 client: `<trust dir>/tuf/<GUN>/metadata/root.json`.
    case notary
    /// Docker Content Trust: the same layout under `${DOCKER_CONFIG:-~/.docker}/trust`.
    case docker
    /// python-tuf's `Updater`: `<metadata dir>/root.json`.
    case pythonTUF = "python-tuf"
    /// sigstore-python 4.x: a root file for `sigstore --instance URL trust-instance FILE`.
    case sigstore
    /// cosign: a root file for `cosign initialize --mirror URL --root FILE`.
    case cosign
    /// A `file` target's exact bytes (a key, a keyring) at `--out`.
    case file

    /// The kind of target the client installs.
    public var kind: TargetSpec.Kind {
        switch self {
        case .notary, .docker: .notary
        case .pythonTUF, .sigstore, .cosign: .tuf
        case .file: .file
        }
    }

    /// The `--for` values for a kind of repository, in words.
    public static func names(for kind: TargetSpec.Kind) -> String {
        allCases.filter { $0.kind == kind }.map(\.rawValue).joined(separator: ", ")
    }
}

/// Where one client reads its trusted root on this machine, from the command line and the environment (`HOME`,
/// `XDG_DATA_HOME`, `DOCKER_CONFIG`, notary's `~/.notary/config.json`), decided before any network call.
public struct InstallLayout: Sendable {
    public var client: InstallClient
    /// The Notary trust dir (notary, docker).
    public var trustDir: String?
    /// The python-tuf metadata dir, the sigstore/cosign root file, or the file to write.
    public var out: String?
    public var environment: [String: String]

    /// - Throws: ``ClientError`` with ``ClientError/Code/invalidRequest`` when an option does not apply to the client
    ///   or a destination it needs is missing.
    public init(client: InstallClient, trustDir: String? = nil, out: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.client = client
        self.trustDir = trustDir.map(Self.absolute)
        self.out = out.map(Self.absolute)
        self.environment = environment
        switch client {
        case .notary, .docker:
            if out != nil { throw ClientError(.invalidRequest, "--out is for python-tuf, sigstore and cosign; \(client.rawValue) takes --trust-dir") }
            if client == .docker, let dir = self.trustDir, !dir.hasSuffix("/trust") {
                throw ClientError(.invalidRequest, "docker reads <DOCKER_CONFIG>/trust: pass a --trust-dir ending in /trust, or set DOCKER_CONFIG")
            }
        case .pythonTUF, .sigstore, .cosign:
            if trustDir != nil { throw ClientError(.invalidRequest, "--trust-dir is for notary and docker; \(client.rawValue) takes --out") }
            if client == .pythonTUF, out == nil {
                throw ClientError(.invalidRequest, "python-tuf needs --out DIR: the metadata_dir your Updater reads root.json from")
            }
        case .file:
            if trustDir != nil { throw ClientError(.invalidRequest, "--trust-dir is for notary and docker; file takes --out") }
            if out == nil { throw ClientError(.invalidRequest, "file needs --out PATH: where the pinned bytes are written") }
        }
    }

    var home: String { ClientPaths.home(environment) }
    var dockerConfig: String { environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.docker") }

    /// The Notary trust dir this client reads.
    public func notaryTrustDir() throws -> String {
        if let trustDir { return trustDir }
        if client == .docker {
            return dockerConfig + "/trust"
        }
        // notary reads `trust_dir` from ~/.notary/config.json when it has one (relative to that folder), else ~/.notary.
        let configDir = home + "/.notary"
        guard let data = FileManager.default.contents(atPath: configDir + "/config.json") else { return configDir }
        guard let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ClientError(.malformed, "\(configDir)/config.json is not JSON; fix it or pass --trust-dir")
        }
        guard let dir = config["trust_dir"] as? String, !dir.isEmpty else { return configDir }
        if dir.hasPrefix("~/") { return home + dir.dropFirst() }
        return dir.hasPrefix("/") ? dir : configDir + "/" + dir
    }

    /// The file the root of `target` is written to; `gun` is the Notary GUN the pin must be attested for.
    public func destination(target: String, gun: String?) throws -> String {
        switch client {
        case .notary, .docker:
            guard let gun, TargetSpec.isSafeGUN(gun) else { throw ClientError(.invalidRequest, "\(target): no usable Notary GUN") }
            return "\(try notaryTrustDir())/tuf/\(gun)/metadata/root.json"
        case .pythonTUF:
            return (out ?? "") + "/root.json"
        case .file:
            return out ?? ""
        case .sigstore, .cosign:
            if let out { return out }
            let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home + "/.local/share")
            return "\(data)/vantage/roots/\(APIPath.segment(target)).root.json"
        }
    }

    /// The command that makes the client use the root installed at `path` for `source`, ready to paste. `tlsCA` is
    /// the private CA bundle in use (`--ca-bundle`): notary trusts only the system's CAs unless told `--tlscacert`.
    /// Empty for a file: what reads it (apt's `signed-by`, `cosign verify --key`) is the user's own.
    public func usage(path: String, source: RepositorySource, tlsCA: String? = nil) -> String {
        let url = Shell.quote(source.url), gun = Shell.quote(source.gun ?? "")
        // <trust dir>/tuf/<GUN>/metadata/root.json
        let trust = String(path.dropLast("/tuf/\(source.gun ?? "")/metadata/root.json".count))
        switch client {
        case .notary:
            let ca = tlsCA.map { " --tlscacert \(Shell.quote(Self.absolute($0)))" } ?? ""
            return "notary -s \(url) -d \(Shell.quote(trust))\(ca) list \(gun)"
        case .docker:
            let config = String(trust.dropLast("/trust".count))
            let prefix = config == dockerConfig ? "" : "DOCKER_CONFIG=\(Shell.quote(config)) "
            return "\(prefix)DOCKER_CONTENT_TRUST=1 DOCKER_CONTENT_TRUST_SERVER=\(url) docker trust inspect \(gun)"
        case .pythonTUF:
            let dir = String(path.dropLast("/root.json".count))
            // JSON string literals are valid Python string literals; bootstrap=None: the trusted root is <metadata_dir>/root.json.
            let python = "from tuf.ngclient import Updater; Updater(metadata_dir=\(Shell.json(dir)), metadata_base_url=\(Shell.json(source.url + "/")), bootstrap=None).refresh()"
            return "python3 -c \(Shell.quote(python))"
        case .sigstore:
            return "sigstore --instance \(url) trust-instance \(Shell.quote(path))"
        case .cosign:
            return "cosign initialize --mirror \(url) --root \(Shell.quote(path))"
        case .file:
            return ""
        }
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// Quoting for the commands printed to paste into a shell.
public enum Shell {
    /// `s` as one POSIX shell word: bare when it is only safe characters, else single-quoted.
    public static func quote(_ s: String) -> String {
        let safe = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "@%+=:,./_-".unicodeScalars.contains($0) }
        return !s.isEmpty && safe ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `s` as a JSON string literal (also a valid Python string literal).
    static func json(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
