extension ConfigKeyCheck {
    /// The programs that take configuration overrides from `VANTAGE_*` environment variables, by variable prefix:
    /// the prefix followed by the key upper-cased, every character other than a letter or digit written `_`
    /// (swift-configuration's naming: `consensus.quorum` → `VANTAGE_CONSENSUS_QUORUM`, `poll.concurrency` →
    /// `VANTAGE_AGENT_POLL_CONCURRENCY`).
    public enum Namespace: String, Sendable, CaseIterable {
        case coordinator = "VANTAGE_"
        case agent = "VANTAGE_AGENT_"
    }

    /// `VANTAGE_*` variables that are not configuration overrides, so no daemon refuses them: read by `vantage` and
    /// `vantage-pins`, set for alert hooks, and used by the CI templates, the compose file and the test scripts.
    public static let otherVariables: Set<String> = [
        "VANTAGE_POLICY", "VANTAGE_COORDINATOR", "VANTAGE_TOKEN",
        "VANTAGE_SEVERITY", "VANTAGE_TARGET", "VANTAGE_MESSAGE", "VANTAGE_ALERT", "VANTAGE_ALERT_STATE",
        "VANTAGE_BINARY_URL", "VANTAGE_BINARY_SHA256", "VANTAGE_SERVER", "VANTAGE_COMMAND", "VANTAGE_CLIENT", "VANTAGE_POLICY_JSON",
        "VANTAGE_PINS", "VANTAGE_TRUST_DIR", "VANTAGE_BUNDLE", "VANTAGE_OUT", "VANTAGE_GUN", "VANTAGE_CA_BUNDLE",
        "VANTAGE_IMAGE", "VANTAGE_COORDINATOR_PORT", "VANTAGE_LOG_LEVEL",
        "VANTAGE_NO_INSTALL", "VANTAGE_KEEP_SCRATCH",
    ]

    /// Prefixes of the same kind: alert hooks' `VANTAGE_EVENT_*`, the test suites' `VANTAGE_TEST_*`.
    public static let otherPrefixes = ["VANTAGE_EVENT_", "VANTAGE_TEST_"]

    /// The variable that overrides `key` (dotted) in `namespace`.
    public static func variable(for key: String, in namespace: Namespace) -> String {
        var name = namespace.rawValue
        var previous: Character?
        for character in key {
            // swift-configuration splits camelCase (a target id such as `myApp` → `MY_APP`).
            if let previous, previous.isLowercase, character.isUppercase { name += "_" }
            name += character.isLetter || character.isNumber ? character.uppercased() : "_"
            previous = character
        }
        return name
    }

    /// Every variable of `environment` in `namespace` that overrides none of the `known` keys (dotted, with any `*`
    /// already replaced by the names it stands for), with the variable most likely meant: a misspelt override
    /// (`VANTAGE_CONSENSUS_QUORM`) must stop the program like a misspelt key, not leave the default in force.
    /// A variable of a longer namespace (`VANTAGE_AGENT_*` for the coordinator) or of ``otherVariables`` and
    /// ``otherPrefixes`` is not this program's.
    public static func unknownVariables(in environment: [String: String], namespace: Namespace, known: Set<String>) -> [Unknown] {
        let names = Set(known.map { variable(for: $0, in: namespace) })
        let others = otherPrefixes + Namespace.allCases.map(\.rawValue).filter { $0.count > namespace.rawValue.count && $0.hasPrefix(namespace.rawValue) }
        let strays = environment.keys.filter { name in
            name.hasPrefix(namespace.rawValue) && !names.contains(name) && !otherVariables.contains(name) && !others.contains(where: name.hasPrefix)
        }
        return unknownKeys(in: Dictionary(uniqueKeysWithValues: strays.map { ($0, "") }), known: names).map {
            var unknown = $0
            unknown.noun = "environment variable"
            return unknown
        }
    }
}
