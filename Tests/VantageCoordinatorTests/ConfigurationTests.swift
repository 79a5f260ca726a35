import Foundation
import VantageTestSupport
import Testing
import VantageCore

@testable import VantageCoordinator

/// Configuration: file, environment and flags in precedence order; bad keys and values fail at start, by name.
@Suite struct ConfigurationTests {
    static let example = PackagePaths.path("coordinator/coordinator.example.json")

    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-config-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func exampleLoadsWithEnvironmentAndFlagOverrides() async throws {
        let tokens = try temporaryFile("first-admin-token-0123456789\n\nsecond-admin-token-0123456789\n")
        // The example names no secret: the systemd unit passes credential paths in VANTAGE_*_FILE variables.
        let configuration = try await ConfigurationLoader.load(
            file: Self.example, flags: ["listen.port": "9100"],
            environment: ["VANTAGE_ADMIN_TOKEN_FILE": tokens, "VANTAGE_LISTEN_PORT": "9000", "VANTAGE_CONSENSUS_QUORUM": "3",
                          "VANTAGE_CONSENSUS_VERIFICATION_CACHE_ENTRIES": "5000"])
        let example = try String(contentsOfFile: Self.example, encoding: .utf8)
        #expect(!example.contains("whsec_") && !example.contains("/run/credentials/"), "no secrets or credential paths in the example")
        #expect(configuration.listenPort == 9100)
        #expect(configuration.listenHost == "127.0.0.1")
        #expect(configuration.headerTimeoutSeconds == 10 && configuration.maxConnections == 8192)
        #expect(configuration.ingest.maxBatchObservations == 1000)
        #expect(configuration.consensus.quorum == 3)
        #expect(configuration.verificationCacheEntries == 5000)
        #expect(configuration.consensus.minDuration.rotated == 600)
        #expect(configuration.adminTokens == ["first-admin-token-0123456789", "second-admin-token-0123456789"])
        #expect(configuration.agents.map(\.region) == ["eu-west", "us-east", "ap-south"])
        #expect(configuration.targets.map(\.id) == ["sigstore", "docker.io/library/debian", "ubuntu", "debian-12", "docker-apt-key"])
        #expect(configuration.targets[1].gun == "docker.io/library/debian")
        #expect(configuration.targets[2] == TargetSpec(id: "ubuntu", kind: .oci, url: "https://registry-1.docker.io", repository: "library/ubuntu", tag: "24.04"))
        #expect(configuration.targets[3].changePolicy == .hold && configuration.targets[4].changePolicy == .hold)
        #expect(configuration.ingest.maxFileBytes == 256 << 10)
        #expect(configuration.resolvedDatabasePath == "/var/lib/vantage-coordinator/coordinator.sqlite")
    }

    /// `consensus.immutable_tags`: a version tag is held, a floating tag and a target that says `follow` are not.
    @Test func immutableTagPatternsHoldVersionTags() async throws {
        let file = try temporaryFile(#"""
            {"consensus": {"immutable_tags": ["*.*.*"]},
             "targets": ["pinned oci ubuntu:24.04.1", "floating oci ubuntu:latest", "chosen oci ubuntu:24.04.2 follow"]}
            """#)
        let configuration = try await ConfigurationLoader.load(file: file, environment: [:])
        #expect(configuration.targets.map(\.changes) == [.hold, nil, .follow])
    }

    @Test func alertSecretsReadFromFiles() async throws {
        let secret = try temporaryFile("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        let slack = try temporaryFile("\nhttps://hooks.slack.example/services/T/B/X\n")
        let file = try temporaryFile(#"{"alerts": {"webhook": {"url": "https://alerts.example"}}}"#)
        let configuration = try await ConfigurationLoader.load(
            file: file, environment: ["VANTAGE_ALERTS_WEBHOOK_SECRET_FILE": secret, "VANTAGE_ALERTS_SLACK_URL_FILE": slack])
        #expect(configuration.alerts.webhookSecret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(configuration.alerts.slackURL == "https://hooks.slack.example/services/T/B/X")
        let empty = try temporaryFile("\n")
        let error = await #expect(throws: CoordinatorError.self) {
            _ = try await ConfigurationLoader.load(file: file, environment: ["VANTAGE_ALERTS_WEBHOOK_SECRET_FILE": empty])
        }
        #expect(error?.reason.contains("is empty") == true)
    }

    @Test(arguments: [
        (#"{"listen": {"prot": 1}}"#, "unknown key listen.prot (did you mean listen.port?)"),
        (#"{"consensus": {"quorom": 2}}"#, "unknown key consensus.quorom (did you mean consensus.quorum?)"),
        (#"{"alerts": {"webhook": {"secret_fle": "/x"}}}"#, "unknown key alerts.webhook.secret_fle (did you mean alerts.webhook.secret_file?)"),
        (#"{"consensus": {"quorum": "two"}}"#, "consensus.quorum: must be an integer"),
        (#"{"consensus": {"quorum": 0}}"#, "consensus: quorum must be at least 1"),
        (#"{"consensus": {"unchained": "maybe"}}"#, "consensus.unchained"),
        (#"{"agents": ["agent-1 eu"]}"#, "agents:"),
        (#"{"agents": ["agent-1 eu notbase64!"]}"#, "agents: agent-1"),
        (#"{"targets": ["t ftp https://x"]}"#, "targets:"),
        (#"{"targets": ["t oci Ubuntu:24.04"]}"#, "targets: t:"),
        (#"{"targets": ["t oci ubuntu@sha256:\#(String(repeating: "a", count: 64))"]}"#, "leave out the @sha256 digest"),
        (#"{"targets": ["t file https://x.example/key maybe"]}"#, "targets: t: \"maybe\" is not follow or hold"),
        (#"{"targets": ["t tuf https://x.example follow"]}"#, "targets: target t: tuf targets have no gun"),
        (#"{"ingest": {"max_file_bytes": 0}}"#, "ingest.max_file_bytes: must be 1 to 4194304"),
        (#"{"admin": {"tokens": ["short"]}}"#, "admin.tokens"),
        (#"{"alerts": {"webhook": {"url": "https://x.example"}}}"#, "alerts.webhook.secret"),
        (#"{"ingest": {"max_body_bytes": 10}}"#, "ingest.max_body_bytes"),
        (#"{"consensus": {"verification_cache_entries": -1}}"#, "consensus.verification_cache_entries: must not be negative"),
        (#"[1]"#, "top level"),
        (#"{"#, "not valid JSON"),
    ])
    func badConfigurationNamesTheKey(_ text: String, _ expected: String) async throws {
        let file = try temporaryFile(text)
        let error = await #expect(throws: CoordinatorError.self) {
            _ = try await ConfigurationLoader.load(file: file, environment: [:])
        }
        #expect(error?.code == .configuration)
        #expect(error?.reason.contains(expected) == true, "\(error?.reason ?? "")")
    }

    /// A misspelt override is refused like a misspelt key, with the variable it meant. Positive control: spelt right
    /// it is read, and the variables of the CLI, the agent, alert hooks, CI templates and test scripts are not refused.
    @Test(arguments: [
        ("VANTAGE_CONSENSUS_QUORM", "unknown environment variable VANTAGE_CONSENSUS_QUORM (did you mean VANTAGE_CONSENSUS_QUORUM?)"),
        ("VANTAGE_LISTEN_PROT", "unknown environment variable VANTAGE_LISTEN_PROT (did you mean VANTAGE_LISTEN_PORT?)"),
        ("VANTAGE_PIN_LIST_MIRROR_DIRECTORY", "(did you mean VANTAGE_PIN_LIST_MIRROR_DIR?)"),
        ("VANTAGE_COLOUR", "unknown environment variable VANTAGE_COLOUR"),
    ])
    func misspeltEnvironmentOverride(_ name: String, _ expected: String) async throws {
        let file = try temporaryFile("{}")
        let error = await #expect(throws: CoordinatorError.self) { _ = try await ConfigurationLoader.load(file: file, environment: [name: "3"]) }
        #expect(error?.code == .configuration)
        #expect(error?.reason.contains(expected) == true, "\(error?.reason ?? "")")

        var others = Dictionary(uniqueKeysWithValues: ConfigKeyCheck.otherVariables.map { ($0, "x") })
        others["VANTAGE_AGENT_POLL_CONCURRENCY"] = "4"
        others["VANTAGE_EVENT_KIND"] = "split_view"
        others["VANTAGE_TEST_RELEASE_BUILD"] = "1"
        others["VANTAGE_CONSENSUS_QUORUM"] = "3"
        let configuration = try await ConfigurationLoader.load(file: file, environment: others)
        #expect(configuration.consensus.quorum == 3)
    }

    @Test func missingKeyFileRefusesToStart() async throws {
        var configuration = CoordinatorConfiguration()
        configuration.stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-\(UUID().uuidString)").path
        let error = await #expect(throws: CoordinatorError.self) { _ = try await buildCoordinator(configuration: configuration) }
        #expect(error?.code == .key)
    }

    @Test func keygenRefusesToOverwrite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-key-\(UUID().uuidString)").path
        let key = try Keygen.create(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try SigningIdentity(fileContents: String(contentsOfFile: path, encoding: .utf8)).publicKey == key)
        #expect(throws: CoordinatorError.self) { _ = try Keygen.create(at: path) }
    }
}
