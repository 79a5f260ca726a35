import Foundation
import VantageAgent
import VantageCoordinator
import VantageCore

/// The embedded defaults of the demo: three agents in three regions, quorum 2 of 2 regions, no waiting periods.
enum DemoSetup {
    static let agents = [("agent-eu", "eu-west"), ("agent-us", "us-east"), ("agent-ap", "ap-south")]
    /// The agent whose path to the Notary server is intercepted.
    static let intercepted = "agent-ap"

    struct Coordinator {
        var configuration: CoordinatorConfiguration
        var adminToken: String
        var agentKeys: [String: String]
    }

    static func coordinatorConfiguration(in work: URL) throws -> Coordinator {
        let state = work.appendingPathComponent("coordinator").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try write(SigningIdentity().fileContents, to: state + "/coordinator.key")
        var configuration = CoordinatorConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.stateDirectory = state
        configuration.synchronousFull = false
        let token = "demo-admin-" + UUID().uuidString
        configuration.adminTokens = [token]
        var keys: [String: String] = [:]
        for (id, region) in agents {
            let path = work.appendingPathComponent("\(id).key").path
            let identity = SigningIdentity()
            try write(identity.fileContents, to: path)
            keys[id] = path
            configuration.agents.append(AgentEnrollment(id: id, region: region, publicKey: identity.publicKey))
        }
        configuration.consensus = ConsensusPolicy(
            quorum: 2, minRegions: 2, maxAgeSeconds: 600, maxDissent: 0,
            minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0), unchained: .approve)
        return Coordinator(configuration: configuration, adminToken: token, agentKeys: keys)
    }

    /// The configuration of agent `id`, fetching the Notary target through `notaryURL` (its own network path).
    static func agentConfiguration(
        id: String, region: String, keyPath: String, work: URL, coordinatorURL: String, notaryURL: String, tufURL: String,
        targets: [TargetSpec]
    ) -> AgentConfiguration {
        let specs = targets.map { spec -> AgentConfiguration.Target in
            var spec = spec
            spec.url = spec.kind == .notary ? notaryURL : tufURL
            return AgentConfiguration.Target(spec: spec)
        }
        return AgentConfiguration(
            agentID: id, region: region, keyPath: keyPath, coordinators: [coordinatorURL],
            spoolDirectory: work.appendingPathComponent("\(id)-spool").path, limits: FetchLimits(totalTimeout: .seconds(10)),
            targets: specs)
    }

    static func write(_ text: String, to path: String) throws {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }
}
