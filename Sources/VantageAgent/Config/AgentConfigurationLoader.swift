import Configuration
import Foundation
import VantageClient
import VantageCore
import VantageSupport
import VantageTUF

/// Reads the agent's one JSON configuration file with swift-configuration, with environment variables
/// (`VANTAGE_AGENT_<KEY>`, e.g. `VANTAGE_AGENT_POLL_CONCURRENCY`) over it and command-line flags over both, and
/// validates everything into an ``AgentConfiguration``. Any problem is an ``AgentError`` naming the key.
///
/// Keys (see `agents/agent.example.json`): `agent.id`, `agent.region`, `agent.key`, `coordinators`,
/// `spool.dir`, `spool.max_rows`, `spool.batch_size`, `poll.interval_seconds`, `poll.jitter_seconds`,
/// `poll.concurrency`, `http.request_timeout_seconds`, `http.total_timeout_seconds`, `http.max_response_bytes`,
/// `http.max_file_bytes`, `http.ca_bundle`, `registry.docker_config`, `http.proxy`, `http.no_proxy`, `targets_from_coordinator`, `network.allowed_sources`,
/// `network.allow_private_addresses`, `network.max_targets`, `approvers`, `approval_threshold`, `metrics.listen`,
/// `log.level`,
/// and `targets.<id>.{kind,url,gun,trusted_root,image,changes}`. swift-configuration cannot list keys, so the target IDs are
/// the member names of the file's `targets` object; their fields are read through the providers like any other.
public enum AgentConfigurationLoader {
    /// Values given as command-line flags (highest precedence), by dotted key.
    public typealias Overrides = [String: ConfigContent]

    /// Loads and validates `file`.
    /// - Parameters:
    ///   - environment: the process environment (overrides, `HTTPS_PROXY`, `NO_PROXY`).
    ///   - overrides: flag values by dotted key, e.g. `["agent.id": .string("x")]`.
    public static func load(file: String, environment: [String: String], overrides: Overrides = [:]) async throws -> AgentConfiguration {
        let fileProvider: FileProvider<JSONSnapshot>
        do {
            let location = InMemoryProvider(values: ["filePath": ConfigValue(.string(file), isSecret: false)])
            fileProvider = try await FileProvider<JSONSnapshot>(config: ConfigReader(provider: location))
        } catch {
            throw AgentError(.invalidConfiguration, "cannot read configuration file \(file): \(error)")
        }
        let flags = InMemoryProvider(
            name: "flags",
            values: Dictionary(uniqueKeysWithValues: overrides.map { key, content in
                (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(content, isSecret: false))
            }))
        let env = EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ConfigKey(["vantage", "agent"]))
        let fields = ConfigFields(providers: [flags, env, fileProvider])
        let ids = try targetIDs(inFile: file)
        try checkEnvironment(environment, targetIDs: ids)
        return try parse(fields, targetIDs: ids, environment: environment, baseDirectory: (file as NSString).deletingLastPathComponent)
    }

    /// A misspelt `VANTAGE_AGENT_*` override stops the agent like a misspelt key (the default would stay in force).
    static func checkEnvironment(_ environment: [String: String], targetIDs: [String]) throws {
        let known = knownKeys.flatMap { key in key.contains("*") ? targetIDs.map { key.replacingOccurrences(of: "*", with: $0) } : [key] }
        if let unknown = ConfigKeyCheck.unknownVariables(in: environment, namespace: .agent, known: Set(known)).first {
            throw AgentError(.invalidConfiguration, "\(unknown)")
        }
    }

    /// Every key the loader reads (`*`: a target id).
    public static let knownKeys: Set<String> = [
        "agent.id", "agent.region", "agent.key", "coordinators", "spool.dir", "spool.max_rows", "spool.batch_size",
        "poll.interval_seconds", "poll.jitter_seconds", "poll.concurrency", "http.request_timeout_seconds",
        "http.total_timeout_seconds", "http.max_response_bytes", "http.max_file_bytes", "http.ca_bundle", "http.proxy", "http.no_proxy",
        "registry.docker_config",
        "targets_from_coordinator", "network.allowed_sources", "network.allow_private_addresses", "network.max_targets",
        "approvers", "approval_threshold", "metrics.listen", "log.level",
        "targets.*.kind", "targets.*.url", "targets.*.gun", "targets.*.trusted_root", "targets.*.image", "targets.*.changes",
    ]

    /// The member names of the top-level `targets` object, once every key of the file is known.
    static func targetIDs(inFile file: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: file),
            let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw AgentError(.invalidConfiguration, "\(file) is not a JSON object") }
        // A misspelt key must stop the agent: a misspelt trusted_root would silently mean trust on first use.
        if let unknown = ConfigKeyCheck.unknownKeys(in: top, known: knownKeys).first {
            throw AgentError(.invalidConfiguration, "\(file): \(unknown)")
        }
        guard let targets = top["targets"] else { return [] }
        guard let object = targets as? [String: Any] else {
            throw AgentError(.invalidConfiguration, "targets: expected an object of target id → {kind, url, gun, trusted_root}")
        }
        return object.keys.sorted()
    }

    /// `coordinators`: one or more distinct http(s) URLs.
    static func parseCoordinators(_ f: ConfigFields) throws -> [String] {
        let coordinators = try f.stringArray(["coordinators"]) ?? []
        guard !coordinators.isEmpty else { throw AgentError(.invalidConfiguration, "coordinators: at least one coordinator URL required") }
        for url in coordinators where !isHTTPURL(url) {
            throw AgentError(.invalidConfiguration, "coordinators: \(url) is not an http(s) URL")
        }
        guard Set(coordinators).count == coordinators.count else {
            throw AgentError(.invalidConfiguration, "coordinators: duplicate URL")
        }
        return coordinators
    }

    /// `network.allowed_sources`: source patterns, each checked.
    static func parseAllowedSources(_ f: ConfigFields) throws -> [SourcePattern] {
        var allowedSources: [SourcePattern] = []
        for text in try f.stringArray(["network", "allowed_sources"]) ?? [] {
            switch SourcePattern.parse(text) {
            case .success(let pattern): allowedSources.append(pattern)
            case .failure(let error): throw AgentError(.invalidConfiguration, "network.allowed_sources: \(error.reason)")
            }
        }
        return allowedSources
    }

    static func parse(_ f: ConfigFields, targetIDs: [String], environment: [String: String], baseDirectory: String) throws -> AgentConfiguration {
        func path(_ value: String) -> String {
            value.hasPrefix("/") ? value : (baseDirectory as NSString).appendingPathComponent(value)
        }
        let agentID = try f.requiredString(["agent", "id"])
        let region = try f.requiredString(["agent", "region"])
        if let problem = AgentEnrollment.problem(id: agentID, region: region) {
            throw AgentError(.invalidConfiguration, "agent.id / agent.region: \(problem) (the coordinator's rule for its agents)")
        }
        let keyPath = path(try f.requiredString(["agent", "key"]))
        guard FileManager.default.isReadableFile(atPath: keyPath) else {
            throw AgentError(.invalidConfiguration, "agent.key: cannot read \(keyPath)")
        }
        let coordinators = try parseCoordinators(f)
        let spoolDirectory = path(try f.requiredString(["spool", "dir"]))
        let maxRows = try f.int(["spool", "max_rows"], default: 100_000, in: 10...100_000_000)
        // At most the coordinator's default ingest.max_batch_observations, so a valid agent configuration is never refused with 413.
        let batchSize = try f.int(["spool", "batch_size"], default: 500, in: 1...1_000)
        let interval = try f.int(["poll", "interval_seconds"], default: 600, in: 1...86_400)
        let jitter = try f.int(["poll", "jitter_seconds"], default: 60, in: 0...86_400)
        let concurrency = try f.int(["poll", "concurrency"], default: 8, in: 1...1024)
        let requestTimeout = try f.int(["http", "request_timeout_seconds"], default: 10, in: 1...600)
        let totalTimeout = try f.int(["http", "total_timeout_seconds"], default: 60, in: 1...3600)
        guard totalTimeout >= requestTimeout else {
            throw AgentError(.invalidConfiguration, "http.total_timeout_seconds: must be at least http.request_timeout_seconds")
        }
        let maxBytes = try f.int(["http", "max_response_bytes"], default: 524_288, in: 1024...(64 << 20))
        let maxFileBytes = try f.int(["http", "max_file_bytes"], default: FetchLimits.defaultMaxFileBytes, in: 1024...(64 << 20))
        let registryCredentials = try parseDockerConfig(try f.string(["registry", "docker_config"]).map(path))
        let caBundle = try f.string(["http", "ca_bundle"]).map(path)
        if let caBundle, !FileManager.default.isReadableFile(atPath: caBundle) {
            throw AgentError(.invalidConfiguration, "http.ca_bundle: cannot read \(caBundle)")
        }
        let (proxy, noProxy) = try parseProxy(f, environment: environment)
        let fromCoordinator = try f.bool(["targets_from_coordinator"]) ?? false
        let allowedSources = try parseAllowedSources(f)
        let allowPrivate = try f.bool(["network", "allow_private_addresses"]) ?? false
        let maxTargets = try f.int(["network", "max_targets"], default: 10_000, in: 1...1_000_000)
        let approvers = try (f.stringArray(["approvers"]) ?? []).map(parseApprover)
        guard Set(approvers.map(\.id)).count == approvers.count, Set(approvers.map(\.publicKey)).count == approvers.count else {
            throw AgentError(.invalidConfiguration, "approvers: ids and keys must be unique")
        }
        let approvalThreshold = try f.int(["approval_threshold"], default: 1, in: 1...max(1, approvers.count))

        var targets: [AgentConfiguration.Target] = []
        var checkedRoots: Set<String> = []
        for id in targetIDs {
            targets.append(try parseTarget(id, f, path: path, checkedRoots: &checkedRoots))
        }
        guard !targets.isEmpty || fromCoordinator else {
            throw AgentError(.invalidConfiguration, "targets: no targets configured and targets_from_coordinator is false")
        }
        let listen = try f.string(["metrics", "listen"]).flatMap { $0.isEmpty ? nil : try parseListen($0) }
        let logLevel = try f.string(["log", "level"]) ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw AgentError(.invalidConfiguration, "log.level: \(logLevel) is not a swift-log level")
        }
        var configuration = AgentConfiguration(
            agentID: agentID, region: region, keyPath: keyPath, coordinators: coordinators, spoolDirectory: spoolDirectory,
            spoolMaxRows: maxRows, batchSize: batchSize, pollInterval: .seconds(interval), pollJitter: .seconds(jitter),
            concurrency: concurrency,
            limits: FetchLimits(
                maxResponseBytes: maxBytes, requestTimeout: .seconds(requestTimeout), totalTimeout: .seconds(totalTimeout),
                maxFileBytes: maxFileBytes),
            caBundlePath: caBundle, proxy: proxy, noProxy: noProxy, targets: targets, targetsFromCoordinator: fromCoordinator,
            metricsListen: listen, logLevel: logLevel,
            network: .init(allowedSources: allowedSources, allowPrivateAddresses: allowPrivate, maxTargets: maxTargets))
        configuration.approvers = approvers
        configuration.approvalThreshold = approvalThreshold
        configuration.registryCredentials = registryCredentials
        return configuration
    }

    /// `registry.docker_config`: the `auths` of a docker `config.json`, read once at start. Messages name the file and
    /// the entry, never a credential.
    /// `http.proxy`, else the host's https proxy variables; `http.no_proxy`, else NO_PROXY (curl's spellings).
    static func parseProxy(_ f: ConfigFields, environment: [String: String]) throws -> (HTTPClientFactory.Options.Proxy?, ProxyRule) {
        do {
            let host = try HostNetwork.proxies(environment)
            let proxy = try f.string(["http", "proxy"]).map { try ProxyURL.parse($0, setting: "http.proxy") } ?? host.httpsProxy
            return (proxy, try f.string(["http", "no_proxy"]).map { ProxyRule(noProxy: $0) } ?? host.noProxy)
        } catch let error as ClientError {
            throw AgentError(.invalidConfiguration, error.reason)
        }
    }

    static func parseDockerConfig(_ file: String?) throws -> RegistryCredentials {
        guard let file else { return .none }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw AgentError(.invalidConfiguration, "registry.docker_config: cannot read \(file)")
        }
        defer { try? handle.close() }
        let bytes = Array((try? handle.read(upToCount: RegistryCredentials.maxFileBytes + 1)) ?? Data())
        do {
            return try RegistryCredentials(dockerConfig: bytes)
        } catch {
            throw AgentError(.invalidConfiguration, "registry.docker_config: \(file): \(error.reason)")
        }
    }

    /// `"<id> <base64 Ed25519 public key>"`, as `vantage approver keygen` prints it.
    static func parseApprover(_ line: String) throws -> ApproverKey {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 2, let key = try? PublicIdentity(base64: fields[1]) else {
            throw AgentError(.invalidConfiguration, "approvers: \"\(line.prefix(200))\" is not \"<id> <base64 Ed25519 public key>\"")
        }
        return ApproverKey(id: fields[0], publicKey: key)
    }

    /// - Parameter checkedRoots: `kind:path` of the trusted root files already checked (targets often share one;
    ///   each file is parsed and its signatures verified once).
    static func parseTarget(
        _ id: String, _ f: ConfigFields, path: (String) -> String, checkedRoots: inout Set<String>
    ) throws -> AgentConfiguration.Target {
        let prefix = ["targets", id]
        let kindText = try f.requiredString(prefix + ["kind"])
        guard let kind = TargetSpec.Kind(rawValue: kindText) else {
            throw AgentError(.invalidConfiguration, "targets.\(id).kind: \(kindText) is not notary, tuf, oci or file")
        }
        let changesText = try f.string(prefix + ["changes"])
        let changes = try changesText.map { text in
            guard let changes = ChangePolicy(rawValue: text) else {
                throw AgentError(.invalidConfiguration, "targets.\(id).changes: \(text) is neither follow nor hold")
            }
            return changes
        }
        let spec: TargetSpec
        if kind == .oci {
            // An image tag is written as users write it; the registry URL, repository and tag follow from it.
            let image = try f.requiredString(prefix + ["image"])
            do {
                spec = try TargetSpec.image(id: id, reference: image, changes: changes)
            } catch {
                throw AgentError(.invalidConfiguration, "targets.\(id).image: \(error.reason)")
            }
        } else {
            spec = TargetSpec(id: id, kind: kind, url: try f.requiredString(prefix + ["url"]), gun: try f.string(prefix + ["gun"]), changes: changes)
        }
        if let problem = spec.problem { throw AgentError(.invalidConfiguration, "targets.\(id): \(problem)") }
        let (url, gun) = (spec.url, spec.gun)
        guard isHTTPURL(url) else { throw AgentError(.invalidConfiguration, "targets.\(id).url: \(url) is not an http(s) URL") }
        if kind != .notary, gun != nil { throw AgentError(.invalidConfiguration, "targets.\(id).gun: only notary targets have a gun") }
        let trusted = try f.string(prefix + ["trusted_root"]).map(path)
        if trusted != nil, !kind.isRoot {
            throw AgentError(.invalidConfiguration, "targets.\(id).trusted_root: only notary and tuf targets have a trusted root")
        }
        if let trusted, checkedRoots.insert("\(kind.rawValue):\(trusted)").inserted {
            do {
                _ = try TrustedRootFile.load(trusted, kind: kind)
            } catch let error as AgentError {
                throw AgentError(.invalidConfiguration, "targets.\(id).trusted_root: \(error.reason)")
            }
        }
        return AgentConfiguration.Target(spec: spec, trustedRootPath: trusted)
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "https" || scheme == "http"
    }

    static func parseListen(_ text: String) throws -> AgentConfiguration.Listen {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw AgentError(.invalidConfiguration, "metrics.listen: \(text) is not host:port")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return .init(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }
}
