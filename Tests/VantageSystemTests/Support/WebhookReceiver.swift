import Foundation
import VantageTestSupport

/// A local Standard Webhooks receiver (Tests/Support/webhook_receiver.py) that verifies each delivery's
/// signature and timestamp and records it; it can be started and stopped on a fixed address.
final class WebhookReceiver: @unchecked Sendable {
    /// The secret configured as `alerts.webhook.secret` (whsec_ + base64 of 32 bytes).
    static let secret = "whsec_" + Data("vantage-system-tests-webhook-key".utf8).base64EncodedString()

    let place: Place
    let host: String
    let port: Int
    /// One JSON line per delivery attempt the receiver answered.
    let deliveriesPath: String
    let directory: String
    private(set) var process: ChildProcess?
    private var runs = 0

    init(place: Place, host: String, port: Int, directory: String) {
        self.place = place
        self.host = host
        self.port = port
        self.directory = directory
        deliveriesPath = directory + "/webhook-deliveries.jsonl"
    }

    var url: String { "http://\(host):\(port)/hook" }

    func start() async throws {
        runs += 1
        let logPath = directory + "/webhook-receiver-\(runs).log"
        let child = try place.spawn(
            name: "webhook-receiver", "/usr/bin/python3",
            [PackagePaths.webhookReceiver, "--host", host, "--port", "\(port)", "--secret", Self.secret, "--log", deliveriesPath],
            logPath: logPath)
        process = child
        do {
            try await waitUntil("webhook receiver listening on \(host):\(port)", seconds: 15, every: .milliseconds(50)) {
                guard child.isRunning else { throw TestFailure("webhook receiver exited: \(child.logTail())") }
                return child.logTail().contains("listening")
            }
        } catch {
            child.stop()
            throw error
        }
    }

    func stop() {
        process?.stop()
        process = nil
    }

    struct Delivery: Sendable {
        var id: String
        var signatureOK: Bool
        var timestampOK: Bool
        var status: Int
        var kind: String?
        var target: String?
        var details: [String: String]
    }

    /// Every delivery recorded so far, in arrival order.
    func deliveries() -> [Delivery] {
        guard let text = try? String(contentsOfFile: deliveriesPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let event = object["event"] as? [String: Any]
            return Delivery(
                id: object["id"] as? String ?? "", signatureOK: object["signature_ok"] as? Bool ?? false,
                timestampOK: object["timestamp_ok"] as? Bool ?? false, status: object["status"] as? Int ?? 0,
                kind: event?["kind"] as? String, target: event?["target"] as? String,
                details: event?["details"] as? [String: String] ?? [:])
        }
    }

    /// Accepted (correctly signed) deliveries, counted per webhook id.
    func acceptedCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for delivery in deliveries() where delivery.status == 204 { counts[delivery.id, default: 0] += 1 }
        return counts
    }
}
