import Foundation
import Testing
import VantageAgent
import VantageTestSupport

/// `registry.docker_config` and `http.max_file_bytes`, in the "Configuration" suite.
extension ConfigurationTests {
    static func withRegistry(_ registry: String) -> String {
        valid.replacingOccurrences(of: #""poll": {"#, with: registry + #", "poll": {"#)
    }

    @Test func dockerConfigAndFileCapLoad() async throws {
        let auth = Data("ci:t0ps3cret".utf8).base64EncodedString()
        let body = Self.withRegistry(#""registry": {"docker_config": "docker.json"}"#)
            .replacingOccurrences(of: #""total_timeout_seconds": 20"#, with: #""total_timeout_seconds": 20, "max_file_bytes": 4096"#)
        try await withConfig({ scratch in
            try scratch.write(Array(#"{"auths": {"registry.example:5000": {"auth": "\#(auth)"}}}"#.utf8), to: "docker.json")
            return body
        }) { _, file in
            let configuration = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(configuration.limits.maxFileBytes == 4096)
            #expect(
                configuration.registryCredentials.credential(forRegistry: "https://registry.example:5000")
                    == RegistryCredential(username: "ci", password: "t0ps3cret"))
            #expect(configuration.registryCredentials.credential(forRegistry: "https://registry.example") == nil)
        }
        // Defaults: no credentials, 256 KiB.
        try await withConfig({ _ in Self.valid }) { _, file in
            let configuration = try await AgentConfigurationLoader.load(file: file, environment: [:])
            #expect(configuration.limits.maxFileBytes == 262_144)
            #expect(configuration.registryCredentials == .none)
        }
    }

    @Test(arguments: [
        (#"{"auths": {"registry.example": {"auth": "dDBwczNjcmV0"}}}"#, "auths.\"registry.example\".auth is not base64 of user:password"),
        ("not json", "not a JSON object"),
        (nil, "cannot read"),
    ] as [(String?, String)])
    func badDockerConfigNamesTheKeyNotTheSecret(_ contents: String?, _ expected: String) async throws {
        try await withConfig({ scratch in
            if let contents { try scratch.write(Array(contents.utf8), to: "docker.json") }
            return Self.withRegistry(#""registry": {"docker_config": "docker.json"}"#)
        }) { _, file in
            let error = await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [:]) }
            let reason = error?.reason ?? ""
            #expect(reason.contains("registry.docker_config") && reason.contains(expected), "\(reason)")
            // "dDBwczNjcmV0" is base64 of "t0ps3cret".
            #expect(!reason.contains("t0ps3cret") && !reason.contains("dDBwczNjcmV0"), "\(reason)")
        }
    }

    @Test func misspeltRegistryKeyStopsTheAgent() async throws {
        try await withConfig({ _ in Self.withRegistry(#""registry": {"docker_confg": "docker.json"}"#) }) { _, file in
            let error = await #expect(throws: AgentError.self) { _ = try await AgentConfigurationLoader.load(file: file, environment: [:]) }
            let reason = error?.reason ?? ""
            #expect(reason.contains("registry.docker_confg (did you mean registry.docker_config?)"), "\(reason)")
        }
    }
}
