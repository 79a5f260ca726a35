import Foundation
import VantageTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Removing an agent takes it out of ingest, consensus and the exported trust policy, as an event naming who did it;
/// an agent dropped from the configuration file is removed at the next start.
@Suite struct AgentLifecycleTests {
    static let target = "example.test/app"

    @Test func removedAgentLeavesConsensusIngestAndPolicy() async throws {
        let c = try await TestCoordinator(configure: { $0.adminTokens = ["ops-bob \(TestCoordinator.adminToken)"] })
        let root = try TestRepository().root(version: 1)
        try await c.coordinator.application.test(.router) { client in
            // Two of three agents see the root: quorum 2 from 2 regions is met (positive control).
            let receipt = try await client.submit(try c.agents.prefix(2).map { try $0.observe(Self.target, url: "https://tuf.example.test", root: root, at: c.now) })
            #expect(receipt.items.allSatisfy { $0.accepted })
            _ = try await c.coordinator.consensus.evaluateNow()
            #expect(try await client.get(TargetStatus.self, "\(APIPath.targets)/example.test%2Fapp").pinned != nil)

            let removed = try await client.execute(
                uri: "\(APIPath.agents)/\(c.agents[1].id)", method: .delete, headers: [.authorization: "Bearer \(TestCoordinator.adminToken)"]) { $0.status }
            #expect(removed == .noContent)
            let unknown = try await client.execute(
                uri: "\(APIPath.agents)/nobody", method: .delete, headers: [.authorization: "Bearer \(TestCoordinator.adminToken)"]) { $0.status }
            #expect(unknown == .notFound)

            // Its observations are refused, the policy no longer lists it, and the pin it helped make loses quorum.
            c.clock.advance(seconds: 60)
            let refused = try await client.submit([try c.agents[1].observe(Self.target, url: "https://tuf.example.test", root: root, at: c.now)])
            #expect(refused.items.first?.accepted == false)
            #expect(try await client.get(TrustPolicy.self, APIPath.policy).agents.map(\.id).sorted() == ["agent-ap", "agent-eu"])
            _ = try await c.coordinator.consensus.evaluateNow()
            let status = try await client.get(TargetStatus.self, "\(APIPath.targets)/example.test%2Fapp")
            #expect(status.views.map(\.agent) == [c.agents[0].id], "\(status.views)")
            #expect(status.status != .agreed, "one supporter is below quorum: \(status.status)")
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.map(\.event)
            let event = try #require(events.first { $0.kind == .agentRemoved })
            #expect(event.details == ["agent": c.agents[1].id, "by": "ops-bob"])
        }
    }

    @Test func agentDroppedFromTheConfigurationIsRemovedAtStart() async throws {
        let first = try await TestCoordinator()
        #expect(try await first.coordinator.application.test(.router) { try await $0.get(TrustPolicy.self, APIPath.policy).agents.count } == 3)
        let second = try await TestCoordinator(reusing: first, configure: { $0.agents.removeLast() })
        try await second.coordinator.application.test(.router) { client in
            #expect(try await client.get([AgentStatus].self, APIPath.agents).map(\.id).sorted() == ["agent-eu", "agent-us"])
            #expect(try await client.get(TrustPolicy.self, APIPath.policy).agents.count == 2)
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.map(\.event)
            #expect(events.contains { $0.kind == .agentRemoved && $0.details["by"] == "configuration" })
        }
        // Listed again, it is enrolled again.
        let third = try await TestCoordinator(reusing: first)
        let agents = try await third.coordinator.application.test(.router) { try await $0.get(TrustPolicy.self, APIPath.policy).agents }
        #expect(agents.count == 3)
    }
}
