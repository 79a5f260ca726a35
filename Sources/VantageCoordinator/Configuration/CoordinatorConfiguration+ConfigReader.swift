import Configuration
import Foundation
import VantageCore

extension CoordinatorConfiguration {
    /// Reads the configuration from `reader` (file, environment and flags, see ``ConfigurationLoader``).
    ///
    /// Keys (JSON file; environment variables are `VANTAGE_` + the key upper-cased with `.` → `_`, e.g.
    /// `VANTAGE_LISTEN_PORT`):
    /// - `listen.host` (`127.0.0.1`), `listen.port` (8080), `listen.header_timeout_seconds` (10),
    ///   `listen.body_timeout_seconds` (30), `listen.response_timeout_seconds` (60), `listen.idle_timeout_seconds` (60),
    ///   `listen.max_connections` (8192)
    /// - `state_dir` (`/var/lib/vantage-coordinator` when it exists, else `./vantage-state`), `database_path`, `key_file`
    /// - `admin.tokens` (strings), `admin.token_file` (one token per line; for systemd `LoadCredential`)
    /// - `agents`: strings `"<id> <region> <base64 Ed25519 public key>"`
    /// - `targets`: strings ``targetForms`` (see ``parseTarget(_:)``)
    /// - `approvers`: strings `"<id> <base64 Ed25519 public key>"`; `approval_threshold` (1)
    /// - `consensus.quorum` (2), `.min_regions` (2), `.max_age_seconds` (1800), `.max_dissent` (0),
    ///   `.min_duration.first|resigned|rotated|replaced` (0, 0, 600, 3600 s), `.unchained` (`approve` | `hold`),
    ///   `.hold_seconds` (86400, with `hold`), `.expiry_warning_days` (30), `.interval_seconds` (30), `.debounce_ms` (250),
    ///   `.batch_targets` (2000), `.verification_cache_entries` (100000), `.immutable_tags` (none: tag patterns such as
    ///   `*.*.*` whose `oci` targets hold moves unless they say `follow`)
    /// - `pin_list.lifetime_seconds` (86400), `.batch_pins` (5000), `.mirror_dir` (none)
    /// - `ingest.max_body_bytes` (4 MiB), `.max_batch_observations` (1000), `.max_past_seconds` (3600),
    ///   `.max_future_seconds` (300), `.max_file_bytes` (256 KiB: the largest `file` target content stored)
    /// - `database.synchronous` (`full` | `normal`, default `full`)
    /// - `alerts.webhook.url`, `alerts.webhook.secret` (`whsec_…`), `alerts.slack.url`, `alerts.hook.path`,
    ///   `alerts.timeout_seconds` (30), `alerts.max_backoff_seconds` (3600)
    /// - `alerts.webhook.secret_file`, `alerts.slack.url_file`: the secret or URL read from a file (first line),
    ///   for systemd `LoadCredential` and mounted secrets; the inline key wins when both are set
    ///
    /// - Throws: ``CoordinatorError`` (`configuration`) naming the first bad key; the result is also
    ///   ``validate()``d.
    public init(reader: ConfigReader) throws {
        self.init()
        let keys = ConfigKeys(reader: reader)
        listenHost = try keys.string("listen.host") ?? listenHost
        listenPort = try keys.int("listen.port") ?? listenPort
        stateDirectory = try keys.string("state_dir") ?? stateDirectory
        databasePath = try keys.string("database_path")
        keyFile = try keys.string("key_file")
        switch (try keys.string("listen.tls.certificate_file"), try keys.string("listen.tls.key_file")) {
        case (nil, nil): tls = nil
        case (let certificate?, let key?): tls = TLSFiles(certificateFile: certificate, keyFile: key)
        default: throw CoordinatorError(.configuration, "listen.tls: give both certificate_file and key_file")
        }
        adminTokens = try keys.stringArray("admin.tokens") ?? []
        if let tokenFile = try keys.string("admin.token_file") {
            let text = try FileSystem.readText(tokenFile, code: .configuration)
            adminTokens += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        agents = try (keys.stringArray("agents") ?? []).map(Self.parseAgent)
        immutableTags = ImmutableTags(try keys.stringArray("consensus.immutable_tags") ?? [])
        targets = try (keys.stringArray("targets") ?? []).map(Self.parseTarget).map(immutableTags.applied(to:))
        approvers = try (keys.stringArray("approvers") ?? []).map(Self.parseApprover)
        approvalThreshold = try keys.int("approval_threshold") ?? approvalThreshold
        if approvalThreshold < 1 || (!approvers.isEmpty && approvalThreshold > approvers.count) {
            throw CoordinatorError(.configuration, "approval_threshold: \(approvalThreshold) must be 1 to the number of approvers (\(approvers.count))")
        }

        var policy = ConsensusPolicy()
        policy.quorum = try keys.int("consensus.quorum") ?? policy.quorum
        policy.minRegions = try keys.int("consensus.min_regions") ?? policy.minRegions
        policy.maxAgeSeconds = try keys.int64("consensus.max_age_seconds") ?? policy.maxAgeSeconds
        policy.maxDissent = try keys.int("consensus.max_dissent") ?? policy.maxDissent
        policy.minDuration.first = try keys.int64("consensus.min_duration.first") ?? policy.minDuration.first
        policy.minDuration.resigned = try keys.int64("consensus.min_duration.resigned") ?? policy.minDuration.resigned
        policy.minDuration.rotated = try keys.int64("consensus.min_duration.rotated") ?? policy.minDuration.rotated
        policy.minDuration.replaced = try keys.int64("consensus.min_duration.replaced") ?? policy.minDuration.replaced
        switch try keys.string("consensus.unchained") ?? "approve" {
        case "approve": policy.unchained = .approve
        case "hold": policy.unchained = .hold(seconds: try keys.int64("consensus.hold_seconds") ?? 86_400)
        case let other: throw CoordinatorError(.configuration, "consensus.unchained: \"\(other)\" is not approve or hold")
        }
        policy.expiryWarningDays = try keys.int("consensus.expiry_warning_days") ?? policy.expiryWarningDays
        consensus = policy
        consensusIntervalSeconds = try keys.int64("consensus.interval_seconds") ?? consensusIntervalSeconds
        consensusDebounceMilliseconds = try keys.int64("consensus.debounce_ms") ?? consensusDebounceMilliseconds
        pinListLifetimeSeconds = try keys.int64("pin_list.lifetime_seconds") ?? pinListLifetimeSeconds
        consensusBatchTargets = try keys.int64("consensus.batch_targets").map(Int.init) ?? consensusBatchTargets
        verificationCacheEntries = try keys.int64("consensus.verification_cache_entries").map(Int.init) ?? verificationCacheEntries
        publishBatchPins = try keys.int64("pin_list.batch_pins").map(Int.init) ?? publishBatchPins
        mirrorDirectory = try keys.string("pin_list.mirror_dir") ?? mirrorDirectory

        bodyTimeoutSeconds = try keys.int64("listen.body_timeout_seconds") ?? bodyTimeoutSeconds
        idleTimeoutSeconds = try keys.int64("listen.idle_timeout_seconds") ?? idleTimeoutSeconds
        headerTimeoutSeconds = try keys.int64("listen.header_timeout_seconds") ?? headerTimeoutSeconds
        responseTimeoutSeconds = try keys.int64("listen.response_timeout_seconds") ?? responseTimeoutSeconds
        maxConnections = try keys.int("listen.max_connections") ?? maxConnections
        ingest.maxBodyBytes = try keys.int("ingest.max_body_bytes") ?? ingest.maxBodyBytes
        ingest.maxBatchObservations = try keys.int("ingest.max_batch_observations") ?? ingest.maxBatchObservations
        ingest.maxPastSeconds = try keys.int64("ingest.max_past_seconds") ?? ingest.maxPastSeconds
        ingest.maxFutureSeconds = try keys.int64("ingest.max_future_seconds") ?? ingest.maxFutureSeconds
        ingest.maxFileBytes = try keys.int("ingest.max_file_bytes") ?? ingest.maxFileBytes
        switch try keys.string("database.synchronous") ?? "full" {
        case "full": synchronousFull = true
        case "normal": synchronousFull = false
        case let other: throw CoordinatorError(.configuration, "database.synchronous: \"\(other)\" is not full or normal")
        }

        alerts.webhookURL = try keys.string("alerts.webhook.url")
        alerts.webhookSecret = try keys.string("alerts.webhook.secret", isSecret: true)
            ?? keys.string("alerts.webhook.secret_file").map(Self.readSecretFile)
        alerts.slackURL = try keys.string("alerts.slack.url", isSecret: true)
            ?? keys.string("alerts.slack.url_file").map(Self.readSecretFile)
        alerts.hookPath = try keys.string("alerts.hook.path")
        alerts.timeoutSeconds = try keys.int64("alerts.timeout_seconds") ?? alerts.timeoutSeconds
        alerts.maxBackoffSeconds = try keys.int64("alerts.max_backoff_seconds") ?? alerts.maxBackoffSeconds
        try validate()
    }

    /// Every key ``init(reader:)`` reads (the loader rejects others, so typos fail loudly).
    public static let knownKeys: Set<String> = [
        "listen.host", "listen.port", "listen.body_timeout_seconds", "listen.idle_timeout_seconds", "listen.header_timeout_seconds",
        "listen.response_timeout_seconds", "listen.max_connections", "listen.tls.certificate_file",
        "listen.tls.key_file", "state_dir", "database_path", "key_file", "admin.tokens", "admin.token_file",
        "agents", "targets", "approvers", "approval_threshold", "consensus.quorum", "consensus.min_regions", "consensus.max_age_seconds",
        "consensus.max_dissent", "consensus.min_duration.first", "consensus.min_duration.resigned",
        "consensus.min_duration.rotated", "consensus.min_duration.replaced", "consensus.unchained",
        "consensus.hold_seconds", "consensus.expiry_warning_days", "consensus.interval_seconds", "consensus.debounce_ms", "consensus.batch_targets",
        "consensus.verification_cache_entries", "consensus.immutable_tags", "pin_list.batch_pins", "pin_list.mirror_dir",
        "pin_list.lifetime_seconds", "ingest.max_body_bytes", "ingest.max_batch_observations", "ingest.max_past_seconds", "ingest.max_future_seconds",
        "ingest.max_file_bytes",
        "database.synchronous", "alerts.webhook.url", "alerts.webhook.secret", "alerts.webhook.secret_file",
        "alerts.slack.url", "alerts.slack.url_file", "alerts.hook.path",
        "alerts.timeout_seconds", "alerts.max_backoff_seconds",
    ]

    /// The first non-empty line of a secret file, trimmed (`alerts.*_file` keys).
    static func readSecretFile(_ path: String) throws -> String {
        let text = try FileSystem.readText(path, code: .configuration)
        guard let line = text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty })
        else { throw CoordinatorError(.configuration, "\(path) is empty") }
        return line
    }

    /// `"<id> <region> <base64 public key>"`.
    static func parseAgent(_ line: String) throws -> AgentEnrollment {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 3 else {
            throw CoordinatorError(.configuration, "agents: \"\(line)\" is not \"<id> <region> <base64 public key>\"")
        }
        do {
            return AgentEnrollment(id: fields[0], region: fields[1], publicKey: try PublicIdentity(base64: fields[2]))
        } catch {
            throw CoordinatorError(.configuration, "agents: \(fields[0]): \(error)")
        }
    }

    /// `"<id> <base64 public key>"` (from `vantage approver keygen`).
    static func parseApprover(_ line: String) throws -> ApproverKey {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 2 else { throw CoordinatorError(.configuration, "approvers: \"\(line)\" is not \"<id> <base64 public key>\"") }
        do {
            return ApproverKey(id: fields[0], publicKey: try PublicIdentity(base64: fields[1]))
        } catch {
            throw CoordinatorError(.configuration, "approvers: \(fields[0]): \(error)")
        }
    }

    /// What ``parseTarget(_:)`` accepts, for its refusal.
    static let targetForms =
        "\"<id> tuf <url>\", \"<id> notary <url> <gun>\", \"<id> oci <image>[ follow|hold]\" or \"<id> file <url>[ follow|hold]\""

    /// `"<id> tuf <url>"`, `"<id> notary <url> <gun>"`, `"<id> oci <image>[ follow|hold]"` (an image reference such as
    /// `docker.io/library/ubuntu:24.04`, its registry reached over https) or `"<id> file <url>[ follow|hold]"`; without
    /// the policy word an `oci` target follows its tag and a `file` target holds changes for approvers.
    static func parseTarget(_ line: String) throws -> TargetSpec {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 3 || fields.count == 4, let kind = TargetSpec.Kind(rawValue: fields[1]) else {
            throw CoordinatorError(.configuration, "targets: \"\(line)\" is not \(targetForms)")
        }
        let (id, url, last) = (fields[0], fields[2], fields.count == 4 ? fields[3] : nil)
        if kind.isRoot { return TargetSpec(id: id, kind: kind, url: url, gun: last) }
        var changes: ChangePolicy?
        if let last {
            guard let policy = ChangePolicy(rawValue: last) else {
                throw CoordinatorError(.configuration, "targets: \(id): \"\(last)\" is not follow or hold")
            }
            changes = policy
        }
        guard kind == .oci else { return TargetSpec(id: id, kind: kind, url: url, changes: changes) }
        do {
            return try TargetSpec.image(id: id, reference: url, changes: changes)
        } catch {
            throw CoordinatorError(.configuration, "targets: \(id): \(error.reason)")
        }
    }
}

/// Typed lookups that fail with the key's name when a value is present but of the wrong type (the plain
/// `ConfigReader` getters would silently fall back to a default).
struct ConfigKeys {
    let reader: ConfigReader

    func string(_ key: String, isSecret: Bool = false) throws -> String? {
        if let value = reader.string(forKey: ConfigKey(key), isSecret: isSecret) { return value }
        return try absent(key, expected: "a string")
    }

    func int(_ key: String) throws -> Int? {
        if let value = reader.int(forKey: ConfigKey(key)) { return value }
        return try absent(key, expected: "an integer")
    }

    func int64(_ key: String) throws -> Int64? { try int(key).map(Int64.init) }

    func stringArray(_ key: String) throws -> [String]? {
        if let value = reader.stringArray(forKey: ConfigKey(key), isSecret: true) { return value }
        return try absent(key, expected: "an array of strings")
    }

    /// `nil` when no provider has `key`; throws when one has it with another type.
    func absent<T>(_ key: String, expected: String) throws -> T? {
        let k = ConfigKey(key)
        let present = reader.string(forKey: k) != nil || reader.int(forKey: k) != nil || reader.double(forKey: k) != nil
            || reader.bool(forKey: k) != nil || reader.stringArray(forKey: k) != nil || reader.intArray(forKey: k) != nil
        if present { throw CoordinatorError(.configuration, "\(key): must be \(expected)") }
        return nil
    }
}
