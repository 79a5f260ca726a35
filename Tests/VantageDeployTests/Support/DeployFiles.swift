import Foundation
import VantageTestSupport

/// The deploy/ files and the executables they may name (paths: ``PackagePaths``).
enum Repo {
    /// The executables the image ships (and the only commands deploy files may name).
    static let executables = ["vantage", "vantage-pins", "vantage-agent", "vantage-coordinator"]

    static func read(_ relative: String) throws -> String { try String(contentsOfFile: PackagePaths.path(relative), encoding: .utf8) }

    static func json(_ relative: String) throws -> [String: Any] {
        try JSON.object(Data(contentsOf: URL(fileURLWithPath: PackagePaths.path(relative))))
    }
}

enum JSON {
    static func object(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("not a JSON object")
        }
        return object
    }

    static func object(_ text: String) throws -> [String: Any] { try object(Data(text.utf8)) }

    static func write(_ object: [String: Any], to path: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path))
    }

    /// The dotted paths of every leaf of a JSON object (arrays are leaves), e.g. `consensus.min_duration.first`.
    static func leafKeys(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var keys = Set<String>()
        for (key, value) in object {
            let dotted = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any], !nested.isEmpty {
                keys.formUnion(leafKeys(nested, prefix: dotted))
            } else {
                keys.insert(dotted)
            }
        }
        return keys
    }
}

/// A fresh scratch folder (left for the system's /tmp cleaning, as the deploy checks always did).
func temporaryDirectory(_ name: String) throws -> URL { try Scratch("vantage-deploy-\(name)").url }

/// Runs programs to completion and captures their output.
enum Shell {
    typealias Result = CommandResult

    /// The absolute path of `name` on `PATH`, if any.
    static func which(_ name: String) -> String? { ChildProcess.which(name) }

    /// Runs a command to completion off the cooperative pool (`environment`: exactly these variables; default: the
    /// test process's). Tests run in parallel on a pool of two threads here: a test blocking one for the minutes of a
    /// container build would stall the waits of every other test.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil
    ) async throws -> Result {
        try await runCommand(executable, arguments, environment: environment.map { .exactly($0) } ?? .inherited(overlay: [:]), directory: directory)
    }

    /// ``run(_:_:environment:directory:)`` on the calling thread: only for synchronous set-up (static values).
    static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil
    ) throws -> Result {
        try runCommandBlocking(executable, arguments, environment: environment.map { .exactly($0) } ?? .inherited(overlay: [:]), directory: directory)
    }

    /// `--help` of an executable (or one of its subcommands): the long flags it accepts.
    static func longFlags(_ executable: String, _ subcommand: [String]) throws -> Set<String> {
        let help = try runBlocking(PackagePaths.executable(executable), subcommand + ["--help"])
        let pattern = try NSRegularExpression(pattern: "--[a-z][a-z0-9-]*")
        let text = help.stdout + help.stderr
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range, in: text)!])
        })
    }

    /// The subcommands listed by `--help`.
    static func subcommands(_ executable: String) throws -> Set<String> {
        let help = try runBlocking(PackagePaths.executable(executable), ["--help"]).stdout
        guard let section = help.components(separatedBy: "SUBCOMMANDS:").last else { return [] }
        return Set(section.split(separator: "\n").compactMap { line in
            line.hasPrefix("  ") ? line.split(separator: " ").first.map(String.init) : nil
        })
    }
}

/// YAML through python3's PyYAML (Debian: python3-yaml), as JSON.
enum YAML {
    static let python: String? = {
        for candidate in ["python3", "/usr/bin/python3"] {
            if let result = try? Shell.runBlocking(candidate, ["-c", "import yaml"]), result.status == 0 { return candidate }
        }
        return nil
    }()

    /// Every document of a YAML file.
    static func documents(_ path: String) throws -> [Any] {
        guard let python else { throw TestFailure("no python3 with PyYAML (apt-get install python3-yaml)") }
        let script = "import json, sys, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)"
        let result = try Shell.runBlocking(python, ["-c", script, path])
        guard result.status == 0 else { throw TestFailure("\(path): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [Any] ?? []
    }
}

/// The configuration keys and environment variables the programs really read.
enum ConfigKeys {
    /// The agent loader's keys, read from its source (it has no key list, and ignores unknown keys).
    static func agentKeys() throws -> Set<String> {
        let source = try Repo.read("Sources/VantageAgent/Config/AgentConfigurationLoader.swift")
        let call = try NSRegularExpression(pattern: #"f\.(?:requiredString|string|int|bool|stringArray)\(((?:prefix \+ )?)\[([^\]]*)\]"#)
        var keys = Set<String>()
        for match in call.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
            let parts = String(source[Range(match.range(at: 2), in: source)!]).split(separator: ",")
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"")) }
            let isTarget = match.range(at: 1).length > 0
            keys.insert(((isTarget ? ["targets", "*"] : []) + parts).joined(separator: "."))
        }
        return keys
    }

    /// `targets.docker.io/library/debian.gun` → `targets.*.gun` (target ids are free-form object keys).
    static func agentPattern(_ key: String, targetIDs: [String]) -> String {
        for id in targetIDs where key.hasPrefix("targets.\(id).") {
            return "targets.*." + key.dropFirst("targets.\(id).".count)
        }
        return key
    }

    /// `VANTAGE_AGENT_` + key upper-cased with `.` → `_` (swift-configuration's environment provider).
    static func agentEnvironmentNames() throws -> Set<String> {
        Set(try agentKeys().filter { !$0.contains("*") }.map { "VANTAGE_AGENT_" + envName($0) })
    }

    static func coordinatorEnvironmentNames(_ known: Set<String>) -> Set<String> {
        Set(known.map { "VANTAGE_" + envName($0) })
    }

    static func envName(_ key: String) -> String { key.uppercased().replacingOccurrences(of: ".", with: "_") }
}
