import Configuration
import Foundation
import Testing
import VantageTestSupport
import VantageAgent
import VantageClient
import VantageCore

@Suite("Configuration")
struct ConfigurationTests {
    /// Writes a key, a trusted root and `agent.json` with `body` (a JSON object text).
    func withConfig(_ body: (Scratch) throws -> String, _ check: (Scratch, String) async throws -> Void) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try AgentKeyFile.create(at: scratch.file("agent.key"))
        try scratch.write(try RootChain(count: 1).documents[0], to: "roots/1.root.json")
        let file = scratch.file("agent.json")
        try Data(try body(scratch).utf8).write(to: URL(fileURLWithPath: file))
        try await check(scratch, file)
    }

    static let valid = """
        {
          "agent": {"id": "fra-1", "region": "eu-central", "key": "agent.key"},
          "coordinators": ["https://vantage.example.org"],
          "spool": {"dir": "spool", "max_rows": 5000},
          "poll": {"interval_seconds": 300, "jitter_seconds": 30, "concurrency": 16},
          "http": {"request_timeout_seconds": 5, "total_timeout_seconds": 20},
          "targets": {
            "docker.io/library/debian": {"kind": "notary", "url": "https://notary.docker.io", "gun": "docker.io/library/debian"},
            "sigstore": {"kind": "tuf", "url": "https://tuf-repo-cdn.sigstore.dev", "trusted_root": "roots/1.root.json"}
          }
        }
        """

    /// A misspelt key stops the agent with the key's path and the key it meant — a misspelt `trusted_root` must never
    /// mean trust on first use. Positive control: `validFileWithDefaults` loads the same file spelt right.
    @Test(arguments: [
        ("poll.interval_seconds", #""intervall_seconds": 300"#, "poll.intervall_seconds (did you mean poll.interval_seconds?)"),
        ("targets.sigstore.trusted_root", #""trusted_rot": "roots/1.root.json""#, "targets.sigstore.trusted_rot (did you mean targets.sigstore.trusted_root?)"),
        ("metrics.listen", #""metrics": {"listn": "127.0.0.1:9464"}, "poll": {"#, "metrics.listn (did you mean metrics.listen?)"),
        ("a key with no near neighbour", #""colour": "blue", "poll": {"#, "unknown key colour"),
    ])
    func unknownKeysStopTheAgent(_ name: String, _ replacement: String, _ expected: String) async throws {
        let original: String
        switch name {
        case "poll.interval_seconds": original = #""interval_seconds": 300"#
        case "targets.sigstore.trusted_root": original = #""trusted_root": "roots/1.root.json""#
        default: original = #""poll": {"#
        }
        try await withConfig({ _ in Self.valid.replacingOccurrences(of: original, with: replacement) }) { _, file in
            let error = await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [:]) }
            #expect(error?.reason.contains(expected) == true, "\(name): \(error?.reason ?? "")")
        }
    }

    /// A batch larger than the coordinator's default `ingest.max_batch_observations` (1000) would be refused with 413
    /// on every delivery, so the agent refuses it at start. Positive control: 1000 loads.
    @Test func batchSizeStaysWithinWhatACoordinatorAccepts() async throws {
        let spool = #""spool": {"dir": "spool", "max_rows": 5000}"#
        try await withConfig({ _ in Self.valid.replacingOccurrences(of: spool, with: #""spool": {"dir": "spool", "max_rows": 5000, "batch_size": 1001}"#) }) { _, file in
            let error = await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [:]) }
            #expect(error?.reason.contains("spool.batch_size") == true, "\(error?.reason ?? "")")
        }
        try await withConfig({ _ in Self.valid.replacingOccurrences(of: spool, with: #""spool": {"dir": "spool", "max_rows": 5000, "batch_size": 1000}"#) }) { _, file in
            let configuration = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(configuration.batchSize == 1000)
        }
    }

    /// A misspelt `VANTAGE_AGENT_*` override stops the agent with the variable it meant (a target's too, by its id).
    /// Positive control: `environmentAndFlagsOverride` reads the same variables spelt right; the coordinator's and the
    /// CLI's variables are not the agent's to refuse.
    @Test(arguments: [
        ("VANTAGE_AGENT_POLL_CONCURENCY", "unknown environment variable VANTAGE_AGENT_POLL_CONCURENCY (did you mean VANTAGE_AGENT_POLL_CONCURRENCY?)"),
        ("VANTAGE_AGENT_TARGETS_SIGSTORE_TRUSTED_ROT", "(did you mean VANTAGE_AGENT_TARGETS_SIGSTORE_TRUSTED_ROOT?)"),
        ("VANTAGE_AGENT_NETWORK_ALLOWED_SOURCE", "(did you mean VANTAGE_AGENT_NETWORK_ALLOWED_SOURCES?)"),
    ])
    func misspeltEnvironmentOverride(_ name: String, _ expected: String) async throws {
        try await withConfig({ _ in Self.valid }) { _, file in
            let error = await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [name: "x"]) }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.reason.contains(expected) == true, "\(error?.reason ?? "")")
            let others = ["VANTAGE_CONSENSUS_QUORUM": "3", "VANTAGE_COORDINATOR": "https://x", "VANTAGE_TOKEN": "t", "VANTAGE_NO_INSTALL": "1",
                          "VANTAGE_AGENT_TARGETS_SIGSTORE_URL": "https://tuf.example.test"]
            let c = try await AgentConfigurationLoader.load(file: file, environment: others)
            #expect(c.targets[1].spec.url == "https://tuf.example.test")
        }
    }

    @Test("a misspelt override stops either daemon with exit 78 and the variable it meant; spelt right it is read")
    func misspeltOverridesStopBothDaemons() async throws {
        try await withConfig({ _ in Self.valid }) { scratch, file in
            func run(_ program: String, _ arguments: [String], _ variable: String, _ value: String) async throws -> CommandResult {
                try await runCommand(PackagePaths.executable(program), arguments, environment: .inherited(overlay: [variable: value]))
            }
            let agent = ["run", "--config", file, "--once"]
            let misspelt = try await run("vantage-agent", agent, "VANTAGE_AGENT_POLL_CONCURENCY", "4")
            #expect(misspelt.status == 78)
            #expect(misspelt.output.contains("(did you mean VANTAGE_AGENT_POLL_CONCURRENCY?)"), "\(misspelt.output)")
            // Positive control: spelt right the value is read (0 is out of range, refused by name before any network).
            let read = try await run("vantage-agent", agent, "VANTAGE_AGENT_POLL_CONCURRENCY", "0")
            #expect(read.status == 78 && read.output.contains("poll.concurrency") && !read.output.contains("environment variable"), "\(read.output)")

            let config = scratch.file("coordinator.json")
            try Data(#"{"state_dir": "\#(scratch.file("state"))"}"#.utf8).write(to: URL(fileURLWithPath: config))
            let coordinator = ["serve", "--config", config]
            let quorm = try await run("vantage-coordinator", coordinator, "VANTAGE_CONSENSUS_QUORM", "3")
            #expect(quorm.status == 78)
            #expect(quorm.output.contains("unknown environment variable VANTAGE_CONSENSUS_QUORM (did you mean VANTAGE_CONSENSUS_QUORUM?)"), "\(quorm.output)")
            let quorum = try await run("vantage-coordinator", coordinator, "VANTAGE_CONSENSUS_QUORUM", "0")
            #expect(quorum.status == 78 && quorum.output.contains("quorum must be at least 1"), "\(quorum.output)")
        }
    }

    @Test func validFileWithDefaults() async throws {
        try await withConfig({ _ in Self.valid }) { scratch, file in
            let c = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(c.agentID == "fra-1")
            #expect(c.region == "eu-central")
            #expect(c.keyPath == scratch.file("agent.key"))
            #expect(c.spoolDirectory == scratch.file("spool"))
            #expect(c.spoolMaxRows == 5000)
            #expect(c.concurrency == 16)
            #expect(c.pollInterval == .seconds(300))
            #expect(c.limits.maxResponseBytes == 524_288)
            #expect(c.limits.requestTimeout == .seconds(5))
            #expect(c.targets.map(\.spec.id) == ["docker.io/library/debian", "sigstore"])
            #expect(c.targets[0].spec.gun == "docker.io/library/debian")
            #expect(c.targets[1].trustedRootPath == scratch.file("roots/1.root.json"))
            #expect(c.proxy == nil)
        }
    }

    @Test func environmentAndFlagsOverride() async throws {
        try await withConfig({ _ in Self.valid }) { _, file in
            let c = try await AgentConfigurationLoader.load(
                file: file,
                environment: ["VANTAGE_AGENT_POLL_CONCURRENCY": "4", "VANTAGE_AGENT_AGENT_REGION": "us-east",
                    "HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "localhost,.internal"],
                overrides: ["agent.region": .string("ap-south")])
            #expect(c.concurrency == 4)
            #expect(c.region == "ap-south")
            #expect(c.proxy?.host == "proxy.internal")
            #expect(c.proxy?.port == 3128)
            #expect(c.noProxy.bypasses(host: "a.internal", port: 443))
        }
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var edit: @Sendable (String) -> String
        var key: String
        var description: String { key }
    }

    static let badCases: [BadCase] = [
        BadCase(edit: { $0.replacingOccurrences(of: #""id": "fra-1", "#, with: "") }, key: "agent.id"),
        // The coordinator's rule for agent ids: a slash, accepted here before, would only be refused there.
        BadCase(edit: { $0.replacingOccurrences(of: #""id": "fra-1""#, with: #""id": "fra/1""#) }, key: "agent.id"),
        BadCase(edit: { $0.replacingOccurrences(of: #""concurrency": 16"#, with: #""concurrency": "many""#) }, key: "poll.concurrency"),
        BadCase(edit: { $0.replacingOccurrences(of: #""concurrency": 16"#, with: #""concurrency": 0"#) }, key: "poll.concurrency"),
        BadCase(edit: { $0.replacingOccurrences(of: #""kind": "tuf""#, with: #""kind": "git""#) }, key: "targets.sigstore.kind"),
        BadCase(edit: { $0.replacingOccurrences(of: "roots/1.root.json", with: "roots/missing.json") }, key: "targets.sigstore.trusted_root"),
        BadCase(edit: { $0.replacingOccurrences(of: #""gun": "docker.io/library/debian""#, with: #""gun": """#) }, key: "targets.docker.io/library/debian"),
        BadCase(edit: { $0.replacingOccurrences(of: #"["https://vantage.example.org"]"#, with: "[]") }, key: "coordinators"),
        BadCase(edit: { $0.replacingOccurrences(of: #""key": "agent.key""#, with: #""key": "nope.key""#) }, key: "agent.key"),
        BadCase(edit: { $0.replacingOccurrences(of: #""total_timeout_seconds": 20"#, with: #""total_timeout_seconds": 2"#) }, key: "http.total_timeout_seconds"),
        BadCase(edit: { $0.replacingOccurrences(of: "https://notary.docker.io", with: "notary.docker.io") }, key: "targets.docker.io/library/debian"),
    ]

    /// `valid` with a `network` object holding `body`.
    static func withNetwork(_ body: String) -> String {
        valid.replacingOccurrences(of: #""spool": {"#, with: #""network": {\#(body)}, "spool": {"#)
    }

    static let badNetworkCases: [BadCase] = [
        BadCase(edit: { _ in withNetwork(#""allowed_sources": ["exa mple.com"]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": ["a.*.example.com"]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": ["https://host/x?y=1"]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": ["ftp://host"]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": [""]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": "notary.example.com""#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allowed_sources": [1, 2]"#) }, key: "network.allowed_sources"),
        BadCase(edit: { _ in withNetwork(#""allow_private_addresses": "yes""#) }, key: "network.allow_private_addresses"),
        // (A JSON number for a boolean is not in this table: swift-configuration's JSON provider reads 0/1 as booleans,
        // for every boolean key alike.)
        BadCase(edit: { _ in withNetwork(#""max_targets": "many""#) }, key: "network.max_targets"),
        BadCase(edit: { _ in withNetwork(#""max_targets": 0"#) }, key: "network.max_targets"),
        BadCase(edit: { _ in withNetwork(#""max_targets": 2000000"#) }, key: "network.max_targets"),
    ]

    @Test(arguments: badNetworkCases)
    func invalidNetworkValueNamesTheKey(_ bad: BadCase) async throws {
        try await invalidValueNamesTheKey(bad)
    }

    @Test func networkDefaults() async throws {
        try await withConfig({ _ in Self.valid }) { _, file in
            let c = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(c.network == AgentConfiguration.Network())
            #expect(c.network.allowedSources.isEmpty)
            #expect(c.network.allowPrivateAddresses == false)
            #expect(c.network.maxTargets == 10_000)
        }
    }

    /// `valid` with top-level `approvers` and `approval_threshold` as given.
    static func withApprovers(_ body: String) -> String {
        valid.replacingOccurrences(of: #""spool": {"#, with: #"\#(body), "spool": {"#)
    }

    static let approverKey = SigningIdentity().publicKey.base64

    static let badApproverCases: [BadCase] = [
        BadCase(edit: { _ in withApprovers(#""approvers": ["release-lead"]"#) }, key: "approvers"),
        BadCase(edit: { _ in withApprovers(#""approvers": ["release-lead not-base64"]"#) }, key: "approvers"),
        BadCase(edit: { _ in withApprovers(#""approvers": ["a \#(approverKey)", "b \#(approverKey)"]"#) }, key: "approvers"),
        BadCase(edit: { _ in withApprovers(#""approvers": ["a \#(approverKey)"], "approval_threshold": 2"#) }, key: "approval_threshold"),
        BadCase(edit: { _ in withApprovers(#""approvers": ["a \#(approverKey)"], "approval_threshold": 0"#) }, key: "approval_threshold"),
    ]

    @Test(arguments: badApproverCases)
    func invalidApproversNameTheKey(_ bad: BadCase) async throws {
        try await invalidValueNamesTheKey(bad)
    }

    @Test func approversParse() async throws {
        try await withConfig({ _ in Self.withApprovers(#""approvers": ["release-lead \#(Self.approverKey)"], "approval_threshold": 1"#) }) { _, file in
            let c = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(c.approvers.map(\.id) == ["release-lead"])
            #expect(c.approvers.first?.publicKey.base64 == Self.approverKey)
            #expect(c.approvalThreshold == 1)
        }
        try await withConfig({ _ in Self.valid }) { _, file in
            let plain = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(plain.approvers.isEmpty, "no approvers: never adopt")
        }
    }

    @Test func networkKeysParse() async throws {
        let body = #""allowed_sources": ["notary.example.com", "*.Example.org:4443", "https://TUF.example.net/metadata/"], "allow_private_addresses": true, "max_targets": 250"#
        try await withConfig({ _ in Self.withNetwork(body) }) { _, file in
            let c = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(c.network.allowedSources == [
                .host("notary.example.com", port: 443), .subdomains(of: "example.org", port: 4443), .urlPrefix("https://tuf.example.net/metadata"),
            ])
            #expect(c.network.allowPrivateAddresses)
            #expect(c.network.maxTargets == 250)
        }
    }

    @Test func networkKeysFromTheEnvironment() async throws {
        try await withConfig({ _ in Self.valid }) { _, file in
            let c = try await AgentConfigurationLoader.load(
                file: file,
                environment: [
                    "VANTAGE_AGENT_NETWORK_ALLOW_PRIVATE_ADDRESSES": "true", "VANTAGE_AGENT_NETWORK_MAX_TARGETS": "7",
                    "VANTAGE_AGENT_NETWORK_ALLOWED_SOURCES": "a.example.com,https://b.example.com/m",
                ])
            #expect(c.network.allowPrivateAddresses)
            #expect(c.network.maxTargets == 7)
            #expect(c.network.allowedSources == [.host("a.example.com", port: 443), .urlPrefix("https://b.example.com/m")])
        }
    }

    @Test(arguments: badCases)
    func invalidValueNamesTheKey(_ bad: BadCase) async throws {
        try await withConfig({ _ in bad.edit(Self.valid) }) { _, file in
            do {
                _ = try await AgentConfigurationLoader.load(file: file, environment: [:])
                Issue.record("accepted an invalid configuration")
            } catch let error as AgentError {
                #expect(error.code == .invalidConfiguration)
                #expect(error.reason.hasPrefix(bad.key), "\(error.reason)")
            }
        }
    }

    @Test func trustedRootBelowItsThresholdIsRejected() async throws {
        try await withConfig({ scratch in
            let chain = try RootChain(count: 2)
            try scratch.write(try chain.unchainedDocument(version: 2).map { $0 == UInt8(ascii: "a") ? UInt8(ascii: "b") : $0 }, to: "roots/bad.json")
            return Self.valid.replacingOccurrences(of: "roots/1.root.json", with: "roots/bad.json")
        }) { _, file in
            await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [:]) }
        }
    }

    @Test func exampleConfigParses() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let example = try String(contentsOfFile: PackagePaths.root + "/agents/agent.example.json", encoding: .utf8)
        _ = try AgentKeyFile.create(at: scratch.file("agent.key"))
        try scratch.write(try RootChain(count: 1).documents[0], to: "sigstore-root.json")
        let file = scratch.file("agent.json")
        try Data(example.replacingOccurrences(of: "/etc/vantage/agent.key", with: scratch.file("agent.key"))
            .replacingOccurrences(of: "/etc/vantage/roots/sigstore-root.json", with: scratch.file("sigstore-root.json")).utf8)
            .write(to: URL(fileURLWithPath: file))
        let c = try await AgentConfigurationLoader.load(file: file, environment: [:])
        #expect(!c.targets.isEmpty)
    }
}
