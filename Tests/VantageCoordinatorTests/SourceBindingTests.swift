import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// A target id is bound to its source: when the operator's configuration re-points it, nothing carries over.
@Suite struct SourceBindingTests {
    static let target = "example.test/app"
    static let encoded = "example.test%2Fapp"
    static let original = "https://tuf.example.test"
    static let moved = "https://mirror.example.test/metadata"

    @Test func reconfiguredSourceStartsWithNoHistoryAndRaisesACriticalEvent() async throws {
        let first = try await TestCoordinator(targets: [TargetSpec(id: Self.target, kind: .tuf, url: Self.original)])
        let root = try TestRepository().root(version: 1)
        let digest = sha256(root)
        try await first.coordinator.application.test(.router) { client in
            let receipt = try await client.submit(try first.agents.map { try $0.observe(Self.target, url: Self.original, root: root, at: first.now) })
            #expect(receipt.items.allSatisfy { $0.accepted })
            _ = try await first.coordinator.consensus.evaluateNow()
            #expect(try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)").pinned?.sha256 == digest)
        }

        // Control: restarting with the same source keeps the pin and raises nothing.
        let same = try await TestCoordinator(targets: [TargetSpec(id: Self.target, kind: .tuf, url: Self.original + "/")], reusing: first)
        try await same.coordinator.application.test(.router) { client in
            #expect(try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)").pinned?.sha256 == digest)
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events
            #expect(events.allSatisfy { $0.event.kind != .sourceChanged })
        }

        first.clock.advance(seconds: 60)
        let moved = try await TestCoordinator(targets: [TargetSpec(id: Self.target, kind: .tuf, url: Self.moved)], reusing: first)
        try await moved.coordinator.application.test(.router) { client in
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.map(\.event)
            let changed = try #require(events.first { $0.kind == .sourceChanged })
            #expect(changed.severity == .critical)
            #expect(changed.details["old_source"]?.contains(Self.original) == true)
            #expect(changed.details["new_source"]?.contains(Self.moved) == true)
            // The old pin does not carry over, and the old source's spans are closed.
            _ = try await moved.coordinator.consensus.evaluateNow()
            let status = try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)")
            #expect(status.pinned == nil)
            #expect(status.views.isEmpty)
            // Observations of the old source are refused; the new source starts from a first pin.
            let stale = try await client.submit([try moved.agents[0].observe(Self.target, url: Self.original, root: root, at: moved.now)])
            #expect(stale.items[0].reason?.hasPrefix("source_mismatch:") == true, "\(stale.items[0].reason ?? "-")")
            let fresh = try await client.submit(try moved.agents.map { try $0.observe(Self.target, url: Self.moved, root: root, at: moved.now) })
            #expect(fresh.items.allSatisfy { $0.accepted })
            // The first pin of the new source resolves the `source_changed` alert.
            let pinned = try await moved.coordinator.consensus.evaluateNow().events
            #expect(pinned.map(\.kind) == [.firstPin, .recovered])
            #expect(pinned.last?.alert == changed.alert && changed.alert == AlertCondition.sourceChanged.key(Self.target))
            let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history.pins.map(\.classification) == [.first, .first])
            // The published pin names the new source, and its attestations verify only for it.
            let proof = try await client.get(PinProof.self, "\(APIPath.pins)/latest/targets/\(Self.encoded)")
            #expect(proof.pin.source.url == Self.moved)
        }
    }

    @Test func approvalsAreServedForTheCurrentSourceOnly() async throws {
        let c = try await TestCoordinator(targets: [TargetSpec(id: Self.target, kind: .tuf, url: Self.original)])
        let digest = String(repeating: "ab", count: 32)
        let source = try #require(RepositorySource(kind: .tuf, url: Self.original, gun: nil))
        try await c.coordinator.application.test(.router) { client in
            let body = try c.approver.approve(Self.target, source: source, sha256: digest, at: c.now)
            #expect(try await client.admin(.post, "\(APIPath.targets)/\(Self.encoded)/approve", body: body) == .created)
            // An approval signed for another source does not verify for this target's source.
            let elsewhere = try #require(RepositorySource(kind: .tuf, url: Self.moved, gun: nil))
            var wrong = try c.approver.approve(Self.target, source: elsewhere, sha256: digest, at: c.now)
            wrong.sha256 = digest
            #expect(try await client.admin(.post, "\(APIPath.targets)/\(Self.encoded)/approve", body: wrong) == .unauthorized)
            let set = try await client.get(ApprovalSet.self, "\(APIPath.targets)/\(Self.encoded)/approvals")
            #expect(set.source == source)
            #expect(set.digests.map(\.sha256) == [digest])
            #expect(ApprovalVerifier.valid(
                set.digests[0].approvals, target: Self.target, source: source, sha256: digest, approvers: [c.approver.key], notAfter: c.now
            ).approvers == [c.approver.id])
        }
    }
}
