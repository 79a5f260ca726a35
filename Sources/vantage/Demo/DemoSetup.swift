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
        /// The demo approver's key file and public entry.
        var approverKeyPath: String
        var approver: ApproverKey
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
        let approverIdentity = SigningIdentity()
        let approverKeyPath = work.appendingPathComponent("approver.key").path
        try write(approverIdentity.fileContents, to: approverKeyPath)
        let approver = ApproverKey(id: "demo-approver", publicKey: approverIdentity.publicKey)
        configuration.approvers = [approver]
        configuration.consensus = ConsensusPolicy(
            quorum: 2, minRegions: 2, maxAgeSeconds: 600, maxDissent: 0,
            minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0), unchained: .approve)
        return Coordinator(
            configuration: configuration, adminToken: token, agentKeys: keys, approverKeyPath: approverKeyPath, approver: approver)
    }

    /// The configuration of agent `id`: every agent fetches the same URLs (the source its attestations bind), and
    /// trusts the demo registry's CA (`caBundlePath`) as an operator configures a private registry's.
    static func agentConfiguration(
        id: String, region: String, keyPath: String, work: URL, coordinatorURL: String, targets: [TargetSpec], approver: ApproverKey,
        caBundlePath: String
    ) -> AgentConfiguration {
        var configuration = AgentConfiguration(
            agentID: id, region: region, keyPath: keyPath, coordinators: [coordinatorURL],
            spoolDirectory: work.appendingPathComponent("\(id)-spool").path, limits: FetchLimits(totalTimeout: .seconds(10)),
            targets: targets.map { AgentConfiguration.Target(spec: $0) },
            // The demo's repositories, registry and interceptor run on 127.0.0.1: the offline demo is the operator's own setup.
            network: .init(allowPrivateAddresses: true))
        configuration.approvers = [approver]
        configuration.caBundlePath = caBundlePath
        return configuration
    }

    static func write(_ text: String, to path: String) throws {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }
}

/// A man in the middle on one agent's network path: the agent asks for the repositories' URLs as every agent does,
/// and the answers come from the interceptor's machine (the demo's stand-in for a hostile router or DNS).
struct InterceptedPath: HTTPGetting {
    let inner: any HTTPGetting
    /// `http://127.0.0.1:<port>` of the genuine server, and of the interceptor that answers in its place.
    let genuine: String
    let interceptor: String

    /// Puts the interceptor on the path of the fetcher it is given.
    static func wrapper(genuine: String, interceptor: String) -> @Sendable (any HTTPGetting) -> any HTTPGetting {
        { inner in InterceptedPath(inner: inner, genuine: genuine, interceptor: interceptor) }
    }

    func fetch(_ request: FetchRequest, supplier: TargetSupplier) async throws -> FetchedResponse {
        let url = request.url
        guard url.hasPrefix(genuine + "/") else { return try await inner.fetch(request, supplier: supplier) }
        var diverted = request
        diverted.url = interceptor + url.dropFirst(genuine.count)
        var response = try await inner.fetch(diverted, supplier: supplier)
        response.url = url
        return response
    }
}
