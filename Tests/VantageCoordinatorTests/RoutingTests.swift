import Foundation
import VantageTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VantageCore

@testable import VantageCoordinator

/// Routes, ids in paths, admin authentication, health and metrics.
@Suite struct RoutingTests {
    @Test func targetIDsEncodedOrWithLiteralSlashesNameTheSameTarget() async throws {
        let c = try await TestCoordinator(targets: [
            TargetSpec(id: "docker.io/library/debian", kind: .notary, url: "https://notary.docker.io", gun: "docker.io/library/debian"),
            TargetSpec(id: "sigstore", kind: .tuf, url: "https://tuf-repo-cdn.sigstore.dev"),
        ])
        try await c.coordinator.application.test(.router) { client in
            for path in ["docker.io%2Flibrary%2Fdebian", "docker.io/library/debian", "docker.io%2flibrary%2Fdebian"] {
                let status = try await client.get(TargetStatus.self, "\(APIPath.targets)/\(path)")
                #expect(status.spec.id == "docker.io/library/debian")
                #expect(status.status == .unobserved)
                let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(path)/history")
                #expect(history.target == "docker.io/library/debian")
            }
            #expect(try await client.get([TargetStatus].self, APIPath.targets).map(\.spec.id) == ["docker.io/library/debian", "sigstore"])
            try await client.execute(uri: "\(APIPath.targets)/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("\"error\":\"not_found\""))
            }
            try await client.execute(uri: "\(APIPath.targets)/x'%20OR%201=1;--", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func adminRoutesNeedAConfiguredBearerToken() async throws {
        let c = try await TestCoordinator()
        let spec = TargetSpec(id: "new/target", kind: .tuf, url: "https://tuf.example.test/new")
        try await c.coordinator.application.test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789"], [.authorization: "Basic abc"]] {
                try await client.execute(
                    uri: APIPath.targets, method: .post, headers: headers, body: ByteBuffer(bytes: try Canonical.encode(spec))
                ) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            #expect(try await client.admin(.post, APIPath.targets, body: spec) == .created)
            #expect(try await client.admin(.post, APIPath.targets, body: spec) == .ok)
            #expect(try await client.admin(.post, APIPath.targets, body: TargetSpec(id: "bad id", kind: .tuf, url: "x")) == .badRequest)
            #expect(try await client.get(TargetStatus.self, "\(APIPath.targets)/new%2Ftarget").spec == spec)
            #expect(try await client.admin(.delete, "\(APIPath.targets)/new%2Ftarget", body: "") == .noContent)
            #expect(try await client.admin(.delete, "\(APIPath.targets)/new%2Ftarget", body: "") == .notFound)
            try await client.execute(uri: "\(APIPath.targets)/new%2Ftarget", method: .get) { #expect($0.status == .notFound) }
            let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil)!
            let approval = try c.approver.approve("new/target", source: source, sha256: String(repeating: "a", count: 64), at: c.now)
            #expect(try await client.admin(.post, "\(APIPath.targets)/new%2Ftarget/approve", body: approval) == .notFound)
            var malformed = approval
            malformed.sha256 = "zz"
            #expect(try await client.admin(.post, "\(APIPath.targets)/example.test%2Fapp/approve", body: malformed) == .badRequest)
            // Re-adding an existing id with another source is refused: nobody re-points a pinned name.
            let repointed = TargetSpec(id: "example.test/app", kind: .tuf, url: "https://attacker.example/metadata")
            #expect(try await client.admin(.post, APIPath.targets, body: repointed) == .conflict)
            #expect(try await client.get(TargetStatus.self, "\(APIPath.targets)/example.test%2Fapp").spec.url == "https://tuf.example.test")

            let newcomer = TestAgent("agent-sa", "sa")
            #expect(try await client.admin(.post, APIPath.agents, body: newcomer.enrollment) == .created)
            let agents = try await client.get([AgentStatus].self, APIPath.agents)
            #expect(agents.map(\.id) == ["agent-ap", "agent-eu", "agent-sa", "agent-us"])
            #expect(agents.allSatisfy { $0.health == .neverSeen })
            let receipt = try await client.submit([try newcomer.observe("example.test/app", error: ObservationError(.dns, "nx"), at: c.now)])
            #expect(receipt.items[0].accepted)
            #expect(try await client.get(TrustPolicy.self, APIPath.policy).agents.count == 4)
        }
    }

    @Test func healthMetricsStatusAndEvents() async throws {
        let c = try await TestCoordinator()
        try await c.coordinator.application.test(.router) { client in
            try await client.execute(uri: "/livez", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            let root = try TestRepository().root(version: 1)
            _ = try await client.submit(try c.agents.map { try $0.observe("example.test/app", root: root, at: c.now) })
            _ = try await client.submit([try c.agents[0].observe("unknown", root: root, at: c.now)])
            try await c.coordinator.consensus.evaluateNow()
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("vantage_observations_ingested_total{result=\"accepted\"} 3"))
                #expect(text.contains("vantage_observations_rejected_total{reason=\"unknown_target\"} 1"))
                #expect(text.contains("vantage_targets{status=\"agreed\"} 1"))
                #expect(text.contains("vantage_targets_by_kind{kind=\"tuf\"} 1") && text.contains("vantage_targets_by_kind{kind=\"oci\"} 0"))
                #expect(text.contains("vantage_events_total{kind=\"first_pin\"} 1"))
                #expect(text.contains("vantage_pin_list_version"))
                #expect(text.contains("vantage_ingest_duration_seconds_bucket"))
            }
            let status = try await client.get(CoordinatorStatus.self, APIPath.status)
            #expect(status.targets == ["agreed": 1])
            #expect(status.agents == 3)
            #expect(status.pinListVersion != nil)
            #expect(status.coordinatorKeyID == c.coordinator.publicKey.keyID)
            let page = try await client.get(EventPage.self, "\(APIPath.events)?after=0&limit=10")
            #expect(page.events.map(\.event.kind) == [.firstPin])
            #expect(try await client.get(EventPage.self, "\(APIPath.events)?after=\(page.next)").events.isEmpty)
            try await client.execute(uri: "\(APIPath.events)?limit=0", method: .get) { #expect($0.status == .badRequest) }
            let blob = try await client.execute(uri: "\(APIPath.blobs)/\(sha256(root))", method: .get) { Array($0.body.readableBytesView) }
            #expect(blob == root)
            try await client.execute(uri: "\(APIPath.blobs)/\(String(repeating: "0", count: 64))", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "\(APIPath.blobs)/..%2F..%2Fetc", method: .get) { #expect($0.status == .badRequest) }
        }
    }
}
