import Foundation
import VantageTestSupport
import VantageCore
import VantageTUF

/// Everything on 127.0.0.1: one real notary-server publishing `gunCount` GUNs, a real coordinator and three real
/// agents in three regions (poll every second). Processes are registered with the ``Cleanup``.
final class LoopbackSystem: @unchecked Sendable {
    /// A coordinator URL nothing listens on (port 1 needs root to bind and nothing here does). An agent keeps
    /// each observation row until every coordinator acknowledged it, so with this second coordinator the spool
    /// keeps every observation the agent ever made, and `pending` says which ones the real coordinator has not
    /// acknowledged: the test can then name every acknowledged observation by id and sequence number.
    static let unreachableCoordinator = "http://127.0.0.1:1"

    let scratch: Scratch
    let notary: NotaryServer
    let targets: [NotaryTarget]
    let coordinator: CoordinatorProcess
    let agents: [AgentProcess]
    let receiver: WebhookReceiver?
    let coordinatorURL: String
    var api: CoordinatorAPI { coordinator.api }

    static let regions = [("agent-eu", "eu-west"), ("agent-us", "us-east"), ("agent-ap", "ap-south")]

    /// Builds (does not start) the system. `keepEverything` adds ``unreachableCoordinator`` to every agent.
    init(
        _ cleanup: Cleanup, gunCount: Int = 1, keepEverything: Bool = false, webhook: Bool = false, batchSize: Int = 500,
        configure: (inout CoordinatorSettings) -> Void = { _ in }
    ) async throws {
        scratch = cleanup.scratch
        let notary = try await NotaryServer.startLocal(dir: try scratch.directory("notary"))
        cleanup.add { await notary.stop() }
        self.notary = notary
        var targets: [NotaryTarget] = []
        for n in 1...gunCount {
            let gun = "docker.io/vantage-system/app\(n)"
            try await notary.publish(gun)
            targets.append(NotaryTarget(id: gun, url: notary.url, gun: gun))
        }
        self.targets = targets

        var identities: [AgentIdentity] = []
        for (id, region) in Self.regions {
            identities.append(try await AgentIdentity.create(id: id, region: region, keyPath: scratch.file("\(id).key")))
        }

        var settings = CoordinatorSettings(port: try freePort())
        if webhook {
            let receiver = WebhookReceiver(place: .local, host: "127.0.0.1", port: try freePort(), directory: scratch.path)
            cleanup.add { receiver.stop() }
            self.receiver = receiver
            settings.webhookURL = receiver.url
        } else {
            receiver = nil
        }
        configure(&settings)
        coordinatorURL = "http://127.0.0.1:\(settings.port)"
        let coordinator = try await CoordinatorProcess(
            directory: try scratch.directory("coordinator"), place: .local, settings: settings, agents: identities,
            targets: targets.map(\.coordinatorLine), api: CoordinatorAPI(baseURL: coordinatorURL, via: nil))
        cleanup.add { coordinator.crash() }
        self.coordinator = coordinator

        var agents: [AgentProcess] = []
        for identity in identities {
            let agent = try AgentProcess(
                identity: identity, directory: try scratch.directory(identity.id), place: .local,
                coordinators: keepEverything ? [coordinatorURL, Self.unreachableCoordinator] : [coordinatorURL],
                targets: targets, caBundle: notary.caFile, batchSize: batchSize)
            cleanup.add { agent.kill9() }
            agents.append(agent)
        }
        self.agents = agents
    }

    func startAgents() throws {
        for agent in agents { try agent.start() }
    }

    /// Waits until every target is pinned to the digest its notary server serves now.
    func waitForPins(seconds: Double = 45) async throws {
        var expected: [String: String] = [:]
        for target in targets { expected[target.id] = try await notary.root(target.gun).sha256 }
        try await waitUntil("every target pinned to the served root", seconds: seconds) {
            guard let list = try await api.latestPinList() else { return false }
            return expected.allSatisfy { target, digest in list.pins.contains { $0.target == target && $0.sha256 == digest } }
        }
    }
}
