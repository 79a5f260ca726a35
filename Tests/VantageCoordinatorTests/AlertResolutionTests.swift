import Foundation
import GRDB
import VantageTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Issue 22 items 8, 9 and 11 at the coordinator: every alert that opens is resolved through the same sinks under
/// the same key, refusals by every agent are an alert naming the rule, and admin actions on agents are events.
@Suite struct AlertResolutionTests {
    static let target = "example.test/app"
    static let encoded = "example.test%2Fapp"
    static let source = RepositorySource(kind: .tuf, url: "https://tuf.example.test", gun: nil)!

    /// The reported case: agents reach an unapproved replacement at different times (a split view), it is held, then
    /// approved and pinned. The webhook receiver and the hook both get each alert opened and resolved, once, under
    /// one key; `GET /v1/alerts` is empty at the end.
    @Test func splitViewDuringAReplacementIsResolvedAtEverySink() async throws {
        let port = try freePort()
        let hookOutput = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-hook-\(UUID().uuidString)").path
        let hook = try Self.hookScript(writingTo: hookOutput)
        defer { try? FileManager.default.removeItem(atPath: hookOutput) }
        let c = try await TestCoordinator(alertPollInterval: .milliseconds(50)) {
            $0.alerts.webhookURL = "http://127.0.0.1:\(port)/hook"
            $0.alerts.webhookSecret = AlertDeliveryTests.secret
            $0.alerts.hookPath = hook
            $0.alerts.slackURL = "http://127.0.0.1:\(port)/slack"
            $0.alerts.timeoutSeconds = 5
        }
        let (eu, us, ap) = (c.agents[0], c.agents[1], c.agents[2])
        let receiver = AlertDeliveryTests.Receiver()
        let listening = Mutex(false)
        let receiverApp = Application(
            router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in listening.withLock { $0 = true } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await ServiceGroup(services: [receiverApp], gracefulShutdownSignals: [], logger: Logger(label: "receiver")).run()
            }
            try await c.coordinator.application.test(.router) { client in
                try await waitUntil("the receiver listens", seconds: 60, every: .milliseconds(50)) { listening.withLock { $0 } }
                func observe(_ agents: [TestAgent], _ root: [UInt8], _ continuity: Continuity) async throws {
                    _ = try await client.submit(try agents.map { try $0.observe(Self.target, root: root, at: c.now, continuity: continuity) })
                }
                func round() async throws -> [VantageEvent.Kind] { try await c.coordinator.consensus.evaluateNow().events.map(\.kind) }
                let v1 = try TestRepository().root(version: 1)
                try await observe([eu, us, ap], v1, .firstSight)
                #expect(try await round() == [.firstPin])
                // One agent reaches the replacement first: a split view.
                c.clock.advance(seconds: 60)
                let v2 = try TestRepository().root(version: 2)
                try await observe([eu], v2, .unchained)
                try await observe([us, ap], v1, .same)
                #expect(try await round() == [.splitView])
                #expect(try await client.get([AlertEntry].self, APIPath.alerts).map(\.event.kind) == [.splitView])
                // Every agent sees it: held for approvers — the split view is resolved, not left open.
                c.clock.advance(seconds: 60)
                try await observe([eu, us, ap], v2, .unchained)
                #expect(try await round() == [.recovered, .replacementHeld])
                #expect(try await client.get([AlertEntry].self, APIPath.alerts).map(\.event.kind) == [.replacementHeld])
                // Approved and pinned: the held replacement is resolved too.
                let approval = try c.approver.approve(Self.target, source: Self.source, sha256: sha256(v2), at: c.now)
                #expect(try await client.admin(.post, "\(APIPath.targets)/\(Self.encoded)/approve", body: approval) == .created)
                #expect(try await round() == [.replaced, .recovered])
                #expect(try await client.get([AlertEntry].self, APIPath.alerts).isEmpty)

                let stored = try await c.coordinator.database.writer.read { db in try String.fetchAll(db, sql: "SELECT id FROM events") }
                try await waitUntil("every event delivered", seconds: 120, every: .milliseconds(50)) {
                    Set(stored).isSubset(of: receiver.deliveries.withLock { Set($0.keys) })
                        && receiver.slack.withLock { $0.count } >= stored.count
                }
            }
            group.cancelAll()
        }
        let delivered = receiver.events.withLock { $0 }
        #expect(receiver.badSignatures.withLock { $0 } == 0)
        let keyed = delivered.filter { $0.alert != nil }
        let opened = keyed.filter { !$0.resolvesAlert }
        let resolved = keyed.filter(\.resolvesAlert)
        #expect(opened.map(\.kind) == [.splitView, .replacementHeld])
        #expect(opened.map(\.alert) == [AlertCondition.splitView.key(Self.target), resolved.last?.alert])
        #expect(resolved.map(\.alert) == opened.map(\.alert), "each opened alert resolved once, in order")
        #expect(resolved.allSatisfy { $0.kind == .recovered && $0.details["alert_state"] == "resolved" })
        // The hook sees the same pairing in its environment.
        let lines = try String(contentsOfFile: hookOutput, encoding: .utf8).split(separator: "\n").map(String.init)
        for event in keyed {
            #expect(lines.contains("\(event.id) \(event.kind.rawValue) \(event.alert ?? "") \(event.resolvesAlert ? "resolved" : "open")"), "\(lines)")
        }
        #expect(lines.contains { $0.hasSuffix(" first_pin  ") }, "a notice carries no alert: \(lines)")
        // Slack: an opening names its alert, a resolution is marked and names the alert it resolves.
        let texts = receiver.slack.withLock { $0 }
        for event in keyed {
            let tail = "(\(event.resolvesAlert ? "resolves" : "alert") `\(event.alert ?? "")`, event \(event.id))"
            #expect(texts.contains { $0.hasSuffix(tail) && $0.hasPrefix(event.resolvesAlert ? ":white_check_mark:" : ":") }, "\(texts)")
        }
    }

    /// Every agent refuses the target (`forbidden`): a critical `unobservable` alert naming the rule, `status` lists
    /// it until it is acknowledged (the note shown), `query` and `history` show the rule; an agent observing a root
    /// resolves it.
    @Test func refusalByEveryAgentIsAnAlertNamingTheRule() async throws {
        let c = try await TestCoordinator { $0.adminTokens = ["ops-alice \(TestCoordinator.adminToken)"] }
        let rule = "https://tuf.example.test: no network.allowed_sources pattern admits it"
        try await c.coordinator.application.test(.router) { client in
            _ = try await client.submit(try c.agents.map { try $0.observe(Self.target, error: ObservationError(.forbidden, rule), at: c.now) })
            let raised = try await c.coordinator.consensus.evaluateNow().events
            let alert = try #require(raised.first { $0.kind == .unobservable }, "\(raised.map(\.kind))")
            #expect(alert.severity == .critical && alert.details["error_kind"] == "forbidden" && alert.details["error_message"] == rule)
            #expect(alert.alert == AlertCondition.unobservable.key(Self.target))
            var status = try await client.get(CoordinatorStatus.self, APIPath.status)
            #expect(status.openAlerts.map(\.id) == [alert.id])

            let query = try await client.get(TargetStatus.self, "\(APIPath.targets)/\(Self.encoded)")
            #expect(query.views.map(\.errorMessage) == [rule, rule, rule])
            let history = try await client.get(TargetHistory.self, "\(APIPath.targets)/\(Self.encoded)/history")
            #expect(history.spans.map(\.errorMessage) == [rule, rule, rule])

            // Acknowledged with a note: still listed with the note, no longer failing `status`.
            #expect(try await client.admin(.post, "\(APIPath.alerts)/\(alert.id)/ack", body: AcknowledgeRequest(note: "allowed_sources fix in review")) == .ok)
            let listed = try await client.get([AlertEntry].self, APIPath.alerts)
            #expect(listed.first?.acknowledged?.note == "allowed_sources fix in review" && listed.first?.acknowledged?.by == "ops-alice")
            status = try await client.get(CoordinatorStatus.self, APIPath.status)
            #expect(status.openAlerts.isEmpty)

            // One agent observes a root: resolved, once.
            c.clock.advance(seconds: 60)
            _ = try await client.submit([try c.agents[0].observe(Self.target, root: try TestRepository().root(version: 1), at: c.now)])
            let resolved = try await c.coordinator.consensus.evaluateNow().events.filter(\.resolvesAlert)
            #expect(resolved.map(\.alert) == [alert.alert])
            #expect(try await client.get([AlertEntry].self, APIPath.alerts).isEmpty)
            #expect(try await c.coordinator.consensus.evaluateNow().events.isEmpty)
        }
    }

    /// A removed target's open alerts and a removed agent's silence are resolved; enrolling an agent is an event
    /// naming the token, like removing one.
    @Test func removalsResolveAndEnrolmentIsRecorded() async throws {
        let c = try await TestCoordinator { $0.adminTokens = ["ops-alice \(TestCoordinator.adminToken)"] }
        try await c.coordinator.application.test(.router) { client in
            _ = try await client.submit(try c.agents.map { try $0.observe(Self.target, error: ObservationError(.forbidden, "rule"), at: c.now) })
            _ = try await c.coordinator.consensus.evaluateNow()
            #expect(try await client.get([AlertEntry].self, APIPath.alerts).map(\.event.kind) == [.unobservable])
            let removed = try await client.execute(
                uri: "\(APIPath.targets)/\(Self.encoded)", method: .delete, headers: [.authorization: "Bearer \(TestCoordinator.adminToken)"]
            ) { $0.status }
            #expect(removed == .noContent)
            #expect(try await client.get([AlertEntry].self, APIPath.alerts).isEmpty, "resolved with the removal, no round needed")

            // An hour later every agent is silent; one is removed.
            c.clock.advance(seconds: 3600)
            let silent = try await c.coordinator.consensus.evaluateNow().events.filter { $0.kind == .agentSilent }
            #expect(silent.count == 3)
            let agent = c.agents[2].id
            let gone = try await client.execute(
                uri: "\(APIPath.agents)/\(agent)", method: .delete, headers: [.authorization: "Bearer \(TestCoordinator.adminToken)"]) { $0.status }
            #expect(gone == .noContent)
            _ = try await c.coordinator.consensus.evaluateNow()
            let open = try await client.get([AlertEntry].self, APIPath.alerts).map(\.event)
            #expect(open.map(\.kind) == [.agentSilent, .agentSilent] && !open.contains { $0.details["agent"] == agent }, "\(open)")

            let newcomer = TestAgent("agent-sa", "sa")
            #expect(try await client.admin(.post, APIPath.agents, body: newcomer.enrollment) == .created)
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.map(\.event)
            let added = try #require(events.first { $0.kind == .agentAdded })
            #expect(added.details == ["agent": "agent-sa", "by": "ops-alice"] && added.alert == nil)
            let resolutions = events.filter(\.resolvesAlert).map(\.alert)
            #expect(resolutions.contains(AlertCondition.unobservable.key(Self.target)))
            #expect(resolutions.contains(AlertCondition.agentSilent.key(agent)))
            // Enrolling the same agent again changes nothing and records nothing (positive control of the event).
            #expect(try await client.admin(.post, APIPath.agents, body: newcomer.enrollment) == .created)
            let again = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.filter { $0.event.kind == .agentAdded }
            #expect(again.count == 1)
        }
    }

    /// An upgrade from a release whose events carry no alert key: the split view still open is raised once more with
    /// its key (listed by `GET /v1/alerts` again), and resolves like any other.
    @Test func upgradeRaisesAnOpenAlertAgainWithItsKey() async throws {
        let first = try await TestCoordinator()
        let (eu, us, ap) = (first.agents[0], first.agents[1], first.agents[2])
        let v1 = try TestRepository().root(version: 1)
        try await first.coordinator.application.test(.router) { client in
            _ = try await client.submit(try [eu, us, ap].map { try $0.observe(Self.target, root: v1, at: first.now) })
            _ = try await first.coordinator.consensus.evaluateNow()
            first.clock.advance(seconds: 60)
            _ = try await client.submit([try eu.observe(Self.target, root: try TestRepository().root(version: 2), at: first.now, continuity: .unchained)])
            #expect(try await first.coordinator.consensus.evaluateNow().events.map(\.kind) == [.splitView])
        }
        // What the previous release left: keyless events, no v6 columns, the v6 migration not applied.
        try await first.coordinator.database.writer.write { db in
            try db.execute(sql: """
                UPDATE events SET json = json_remove(json, '$.details.alert', '$.details.alert_state');
                DROP INDEX events_by_alert;
                ALTER TABLE events DROP COLUMN alert;
                ALTER TABLE spans DROP COLUMN error_message;
                DELETE FROM grdb_migrations WHERE identifier = 'v6-alert-keys';
                """)
        }
        first.clock.advance(seconds: 10)
        let second = try await TestCoordinator(reusing: first)
        try await second.coordinator.application.test(.router) { client in
            // The start-up round may have raised it already (same id at the same instant, stored once).
            _ = try await second.coordinator.consensus.evaluateNow()
            let split = AlertCondition.splitView.key(Self.target)
            let events = try await client.get(EventPage.self, "\(APIPath.events)?after=0").events.map(\.event)
            #expect(events.filter { $0.kind == .splitView }.map(\.alert) == [nil, split], "the old event, then the same alert with its key")
            #expect(try await client.get([AlertEntry].self, APIPath.alerts).map(\.event.alert) == [split])
            second.clock.advance(seconds: 60)
            _ = try await client.submit([try eu.observe(Self.target, root: v1, at: second.now, continuity: .same)])
            #expect(try await second.coordinator.consensus.evaluateNow().events.map(\.alert) == [split])
            #expect(try await client.get([AlertEntry].self, APIPath.alerts).isEmpty)
        }
    }

    /// A hook that appends `<id> <kind> <alert> <alert state>` per event.
    static func hookScript(writingTo output: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-hook-\(UUID().uuidString).sh").path
        try """
            #!/bin/sh
            echo "$VANTAGE_EVENT_ID $VANTAGE_EVENT_KIND $VANTAGE_ALERT $VANTAGE_ALERT_STATE" >> '\(output)'
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        return path
    }
}
