import Configuration
import Foundation
import VantageCore
import VantageSupport

/// Assembles the configuration sources in precedence order — command-line flags, then `VANTAGE_*` environment
/// variables, then the JSON file — and parses them once into a ``CoordinatorConfiguration``.
public enum ConfigurationLoader {
    /// - Parameters:
    ///   - file: path of the JSON configuration file.
    ///   - flags: values given as command-line flags, by configuration key (e.g. `"listen.port": "9000"`).
    ///   - environment: the process environment (tests pass their own).
    /// - Throws: ``CoordinatorError`` (`configuration`) naming the file or the bad key.
    public static func load(
        file: String, flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> CoordinatorConfiguration {
        try checkKeys(file: file)
        // A misspelt override is refused like a misspelt key (`VANTAGE_CONSENSUS_QUORM` must not leave the default).
        if let unknown = ConfigKeyCheck.unknownVariables(in: environment, namespace: .coordinator, known: CoordinatorConfiguration.knownKeys).first {
            throw CoordinatorError(.configuration, "\(unknown)")
        }
        let fileProvider: FileProvider<JSONSnapshot>
        do {
            // The file path goes through a reader so this target needs no direct swift-system dependency.
            let path = InMemoryProvider(values: ["filePath": ConfigValue(.string(file), isSecret: false)])
            fileProvider = try await FileProvider<JSONSnapshot>(config: ConfigReader(provider: path))
        } catch {
            throw CoordinatorError(.configuration, "\(file): \(error)")
        }
        // Flags arrive as text; integers are typed so integer keys read them.
        let flagValues = Dictionary(
            uniqueKeysWithValues: flags.map { key, value in
                (AbsoluteConfigKey(ConfigKey(key)), ConfigValue(Int(value).map(ConfigContent.int) ?? .string(value), isSecret: false))
            })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flagValues),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "vantage"),
            fileProvider,
        ])
        return try CoordinatorConfiguration(reader: reader)
    }

    /// Rejects keys the coordinator does not know (a typo must not silently fall back to a default).
    static func checkKeys(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CoordinatorError(.configuration, "cannot read configuration file \(file)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CoordinatorError(.configuration, "\(file) is not valid JSON: \(error.localizedDescription)")
        }
        guard let top = object as? [String: Any] else {
            throw CoordinatorError(.configuration, "\(file): the top level must be a JSON object")
        }
        if let unknown = ConfigKeyCheck.unknownKeys(in: top, known: CoordinatorConfiguration.knownKeys).first {
            throw CoordinatorError(.configuration, "\(file): \(unknown)")
        }
    }
}
