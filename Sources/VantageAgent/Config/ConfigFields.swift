import Configuration

/// Typed reads over swift-configuration providers in precedence order (flags, environment, file), where a
/// value of the wrong type is an error naming the key — never silently replaced by a default.
struct ConfigFields: Sendable {
    /// Highest precedence first.
    let providers: [any ConfigProvider]

    func content(_ key: [String], _ type: ConfigType) throws -> ConfigContent? {
        for provider in providers {
            do {
                if let value = try provider.value(forKey: AbsoluteConfigKey(key), type: type).value { return value.content }
            } catch {
                throw AgentError(.invalidConfiguration, "\(Self.name(key)): expected \(Self.describe(type)) (from \(provider.providerName))")
            }
        }
        return nil
    }

    func string(_ key: [String]) throws -> String? {
        guard case .string(let value)? = try content(key, .string) else { return nil }
        return value
    }

    func int(_ key: [String]) throws -> Int? {
        guard case .int(let value)? = try content(key, .int) else { return nil }
        return value
    }

    func bool(_ key: [String]) throws -> Bool? {
        guard case .bool(let value)? = try content(key, .bool) else { return nil }
        return value
    }

    func stringArray(_ key: [String]) throws -> [String]? {
        guard case .stringArray(let value)? = try content(key, .stringArray) else { return nil }
        return value
    }

    func requiredString(_ key: [String]) throws -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw AgentError(.invalidConfiguration, "\(Self.name(key)): required")
        }
        return value
    }

    /// An integer in `range`, or `defaultValue` when absent.
    func int(_ key: [String], default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        let value = try int(key) ?? defaultValue
        guard range.contains(value) else {
            throw AgentError(.invalidConfiguration, "\(Self.name(key)): \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    static func name(_ key: [String]) -> String { key.joined(separator: ".") }

    static func describe(_ type: ConfigType) -> String {
        switch type {
        case .string: "a string"
        case .int: "an integer"
        case .bool: "a boolean"
        case .stringArray: "an array of strings"
        default: "\(type)"
        }
    }
}
