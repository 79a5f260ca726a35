import Foundation
import VantageTestSupport

/// A systemd unit file: `[Section]` headers and `Key=value` lines, in order (keys may repeat).
struct UnitFile {
    let name: String
    var entries: [(section: String, key: String, value: String)] = []

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        var section = ""
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw TestFailure("\(path): not Key=value: \(line)") }
            if line.hasSuffix("\\") { throw TestFailure("\(path): line continuations are not supported here") }
            entries.append((section, String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
    }

    func values(_ key: String, in section: String = "Service") -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    func value(_ key: String, in section: String = "Service") -> String? { values(key, in: section).last }

    /// The unit name without `.service`.
    var serviceName: String { (name as NSString).deletingPathExtension }
}

/// One "host" for a unit in a temporary folder: what systemd would set up for it (state, configuration and
/// credentials directories, `LoadCredential=` copies), and the unit's exact `ExecStart=` and `Environment=`
/// with the specifiers resolved to those folders.
struct SimulatedHost {
    let unit: UnitFile
    /// Stands for `/`: `etc/` (`%E`), `var/lib/` (`%S`), `run/credentials/<unit>/` (`%d`), `etc/credstore/`.
    let root: URL

    init(unit: UnitFile, root: URL) throws {
        self.unit = unit
        self.root = root
        for dir in ["etc/credstore", "var/lib", "run/credentials/\(unit.name)"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
    }

    var configurationRoot: String { root.appendingPathComponent("etc").path }
    var stateRoot: String { root.appendingPathComponent("var/lib").path }
    var credentialsDirectory: String { root.appendingPathComponent("run/credentials/\(unit.name)").path }
    var stateDirectory: String { stateRoot + "/" + (unit.value("StateDirectory") ?? "") }
    var configurationDirectory: String { configurationRoot + "/" + (unit.value("ConfigurationDirectory") ?? "") }

    /// A host path (`/etc/credstore/x`) inside this host's root.
    func hostPath(_ absolute: String) -> String { root.path + absolute }

    /// Specifiers (`%E`, `%S`, `%d`, `%%`) and `${VAR}`s of systemd's execution environment.
    func resolve(_ text: String) -> String {
        var out = ""
        var chars = Substring(text)
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "%", let s = chars.first {
                chars = chars.dropFirst()
                switch s {
                case "E": out += configurationRoot
                case "S": out += stateRoot
                case "d": out += credentialsDirectory
                case "%": out += "%"
                default: out += "%\(s)"
                }
            } else {
                out.append(c)
            }
        }
        for (name, value) in directoryVariables { out = out.replacingOccurrences(of: "${\(name)}", with: value) }
        return out
    }

    var directoryVariables: [String: String] {
        ["STATE_DIRECTORY": stateDirectory, "CONFIGURATION_DIRECTORY": configurationDirectory,
         "CREDENTIALS_DIRECTORY": credentialsDirectory]
    }

    /// What systemd does before `ExecStart=`: creates `StateDirectory=` (0700) and `ConfigurationDirectory=`, and
    /// copies each `LoadCredential=ID:PATH` to `$CREDENTIALS_DIRECTORY/ID` (0400).
    func prepare() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: configurationDirectory, withIntermediateDirectories: true)
        for credential in unit.values("LoadCredential") {
            let parts = credential.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw TestFailure("LoadCredential=\(credential): expected ID:PATH") }
            let target = credentialsDirectory + "/" + parts[0]
            try? fm.removeItem(atPath: target)
            try fm.copyItem(atPath: hostPath(parts[1]), toPath: target)
            try fm.setAttributes([.posixPermissions: 0o400], ofItemAtPath: target)
        }
    }

    /// `ExecStart=` split into words, specifiers resolved, `/usr/local/bin/X` mapped to the built product X.
    func command() throws -> [String] {
        guard let line = unit.value("ExecStart") else { throw TestFailure("\(unit.name): no ExecStart=") }
        var words = line.split(separator: " ").map { resolve(String($0)) }
        guard words[0].hasPrefix("/usr/local/bin/") else { throw TestFailure("ExecStart= must name /usr/local/bin/…") }
        words[0] = PackagePaths.executable(String(words[0].dropFirst("/usr/local/bin/".count)))
        return words
    }

    /// systemd's environment for the service: a plain `PATH`, the directory variables, and `Environment=`.
    func environment() -> [String: String] {
        var env = directoryVariables
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        env["LANG"] = "C.UTF-8"
        for assignment in unit.values("Environment") {
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            env[String(assignment[..<equals])] = resolve(String(assignment[assignment.index(after: equals)...]))
        }
        return env
    }

    /// Starts the service's process, logging to `root/journal.log`.
    func start() throws -> RunningService {
        try prepare()
        let words = try command()
        let log = root.appendingPathComponent("journal.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = try ChildProcess(words[0], Array(words.dropFirst()), outputPath: log, environment: .exactly(environment()), directory: "/")
        return RunningService(process: process, logPath: log, name: unit.name)
    }
}

/// A started service process.
final class RunningService: @unchecked Sendable {
    let process: ChildProcess
    let logPath: String
    let name: String

    init(process: ChildProcess, logPath: String, name: String) {
        self.process = process
        self.logPath = logPath
        self.name = name
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM (systemd's `KillSignal=`) and waits up to `timeout` seconds; returns the exit status (128 + n
    /// when a signal n ended it), or nil when the process had to be killed.
    @discardableResult
    func stop(timeout: Double = 30) async -> Int32? {
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.stop()
            return nil
        }
        let status = process.waitForExit()
        process.closePipes()
        return status
    }
}
