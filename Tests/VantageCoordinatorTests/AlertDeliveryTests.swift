import Crypto
import Foundation
import VantageTestSupport
import HTTPTypes
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// At-least-once alert delivery across restarts, deduplicated by idempotency id, signed per Standard Webhooks.
@Suite struct AlertDeliveryTests {
    static let secretBytes = Array("0123456789abcdef0123456789abcdef".utf8)
    static var secret: String { "whsec_" + ByteEncoding.base64Encode(secretBytes) }

    /// A webhook receiver that verifies signatures, counts deliveries per `webhook-id` and keeps the events in order;
    /// `/slack` keeps the texts a Slack incoming webhook would get.
    final class Receiver: Sendable {
        let deliveries = Mutex<[String: Int]>([:])
        let badSignatures = Mutex(0)
        let events = Mutex<[VantageEvent]>([])
        let slack = Mutex<[String]>([])

        struct SlackMessage: Decodable { var text: String }

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.post("/hook") { request, _ -> HTTPResponse.Status in
                let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
                let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
                let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!] ?? ""
                let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
                let expected = "v1," + ByteEncoding.base64Encode(Array(HMAC<SHA256>.authenticationCode(
                    for: Array("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: AlertDeliveryTests.secretBytes))))
                guard signature == expected else {
                    self.badSignatures.withLock { $0 += 1 }
                    return .unauthorized
                }
                self.deliveries.withLock { $0[id, default: 0] += 1 }
                let event = try Canonical.decode(VantageEvent.self, from: body)
                self.events.withLock { $0.append(event) }
                return .noContent
            }
            router.post("/slack") { request, _ -> HTTPResponse.Status in
                let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
                let text = try Canonical.decode(SlackMessage.self, from: body).text
                self.slack.withLock { $0.append(text) }
                return .ok
            }
            return router
        }
    }

    @Test func receiverDownCoordinatorRestartedReceiverUpEveryEventOnce() async throws {
        let port = try freePort()
        let hookOutput = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-hook-\(UUID().uuidString)").path
        let hook = try hookScript(writingTo: hookOutput)
        let configure: (inout CoordinatorConfiguration) -> Void = {
            $0.alerts.webhookURL = "http://127.0.0.1:\(port)/hook"
            $0.alerts.webhookSecret = Self.secret
            $0.alerts.hookPath = hook
            $0.alerts.timeoutSeconds = 5
        }
        // Run 1: the receiver is down; events are stored and their deliveries fail and are rescheduled.
        let first = try await TestCoordinator(alertPollInterval: .milliseconds(50), configure: configure)
        let root = try TestRepository().root(version: 1)
        try await first.coordinator.application.test(.router) { client in
            _ = try await client.submit(try first.agents.map { try $0.observe("example.test/app", root: root, at: first.now) })
            try await first.coordinator.consensus.evaluateNow()
            #expect(try await client.admin(.post, APIPath.alertsTest, body: "") == .accepted)
            // Each failed attempt spends up to alerts.timeout_seconds retrying the connection: a generous hang guard,
            // since the suite runs this beside a container build and other servers.
            try await waitUntil("webhook attempts fail while the receiver is down", seconds: 120, every: .milliseconds(50)) {
                try await first.coordinator.database.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND attempts > 0 AND delivered_at IS NULL") == 2
                }
            }
        }
        let eventIDs = try await first.coordinator.database.writer.read { db in try String.fetchAll(db, sql: "SELECT id FROM events") }
        #expect(eventIDs.count == 2)

        // Run 2: a restarted coordinator on the same database, the receiver up.
        let receiver = Receiver()
        let receiverListening = Mutex(false)
        let receiverApp = Application(
            router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in receiverListening.withLock { $0 = true } })
        let second = try await TestCoordinator(reusing: first, alertPollInterval: .milliseconds(50), configure: configure)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await ServiceGroup(services: [receiverApp], gracefulShutdownSignals: [], logger: Logger(label: "receiver")).run()
            }
            try await second.coordinator.application.test(.router) { _ in
                // The clock is manual: a delivery that failed because the receiver was not yet listening would be
                // rescheduled past any instant this test reaches, so the hour passes only once it listens.
                try await waitUntil("the receiver listens", seconds: 60, every: .milliseconds(50)) { receiverListening.withLock { $0 } }
                second.clock.advance(seconds: 3600)
                // An hour later the agents are silent too. This round raises those events; the start-up round, whenever
                // it runs, raises the same ids at the same instant, which are stored once.
                _ = try await second.coordinator.consensus.evaluateNow()
                // Every stored event — the two from run 1 and the new ones — is delivered (each once, checked below).
                try await waitUntil("every event delivered", seconds: 120, every: .milliseconds(50)) {
                    let stored = try await second.coordinator.database.writer.read { db in try String.fetchAll(db, sql: "SELECT id FROM events") }
                    let pending = try await second.coordinator.database.writer.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? -1
                    }
                    return pending == 0 && Set(eventIDs).isSubset(of: stored)
                        && Set(stored).isSubset(of: receiver.deliveries.withLock { Set($0.keys) })
                }
                // Further polls deliver nothing twice.
                try await Task.sleep(for: .milliseconds(300))
            }
            group.cancelAll()
        }
        #expect(receiver.deliveries.withLock { $0.values.allSatisfy { $0 == 1 } })
        #expect(receiver.badSignatures.withLock { $0 } == 0)
        let undelivered = try await second.coordinator.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? -1
        }
        #expect(undelivered == 0)
        let hookLines = try String(contentsOfFile: hookOutput, encoding: .utf8).split(separator: "\n")
        #expect(Set(eventIDs).isSubset(of: Set(hookLines.map { String($0.split(separator: " ")[0]) })))
        #expect(hookLines.count == Set(hookLines.map { String($0.split(separator: " ")[0]) }).count, "each event once")
        #expect(hookLines.contains { $0.hasSuffix(" test info 1") })
        #expect(hookLines.contains { $0.contains(" first_pin info 1") })
    }

    @Test func backoffGrowsExponentiallyWithJitterAndCap() {
        for attempts in 0..<20 {
            let delay = AlertService.backoffMillis(attempts: attempts, maxSeconds: 3600)
            let base = min(3_600_000, 1000 << Int64(attempts))
            #expect(delay >= base / 2 && delay <= base)
        }
    }

    /// A hook that appends `<id> <kind> <severity> <json file readable>` per event.
    func hookScript(writingTo output: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-hook-\(UUID().uuidString).sh").path
        try """
            #!/bin/sh
            readable=0
            [ -r "$VANTAGE_EVENT_JSON" ] && grep -q "$VANTAGE_EVENT_ID" "$VANTAGE_EVENT_JSON" && readable=1
            echo "$VANTAGE_EVENT_ID $VANTAGE_EVENT_KIND $VANTAGE_SEVERITY $readable" >> '\(output)'
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        return path
    }
}
