import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import VantageCore

/// Posts the event as JSON, signed per Standard Webhooks (`webhook-id` = event id, `webhook-timestamp`,
/// `webhook-signature`). Any 2xx answer counts as delivered. `details.alert` and `details.alert_state` pair an alert's
/// opening with its resolution (a pager's dedup key and trigger/resolve).
struct WebhookAlertSink: AlertSink {
    let channel = "webhook"
    let url: String
    let secret: WebhookSecret
    let http: HTTPClient
    let timeout: TimeAmount
    let clock: CoordinatorClock

    func deliver(_ event: VantageEvent) async throws {
        let body = try Canonical.encode(event)
        let timestamp = clock.nowMillis / 1000
        try await HTTPDelivery.post(
            url: url, body: body, http: http, timeout: timeout,
            headers: [
                ("webhook-id", event.id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", secret.signature(id: event.id, timestamp: timestamp, body: body)),
            ])
    }
}

/// Posts `{"text": …}` to a Slack incoming webhook: a resolution is marked as such and names the alert it resolves.
struct SlackAlertSink: AlertSink {
    let channel = "slack"
    let url: String
    let http: HTTPClient
    let timeout: TimeAmount

    struct Message: Encodable { var text: String }

    func deliver(_ event: VantageEvent) async throws {
        let icon = event.resolvesAlert ? ":white_check_mark:"
            : event.severity == .critical ? ":rotating_light:" : event.severity == .warning ? ":warning:" : ":information_source:"
        let subject = event.target.map { " `\($0)`" } ?? ""
        let alert = event.alert.map { "\(event.resolvesAlert ? "resolves" : "alert") `\($0)`, " } ?? ""
        let text = "\(icon) *\(event.kind.rawValue)*\(subject): \(event.message) (\(alert)event \(event.id))"
        try await HTTPDelivery.post(url: url, body: try Canonical.encode(Message(text: text)), http: http, timeout: timeout, headers: [])
    }
}

/// The HTTP POST shared by the webhook sinks; transport failures and non-2xx answers both become `delivery` errors.
enum HTTPDelivery {
    static func post(url: String, body: [UInt8], http: HTTPClient, timeout: TimeAmount, headers: [(String, String)]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "vantage-coordinator")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status.code
            _ = try await response.body.collect(upTo: 64 << 10)
        } catch {
            throw CoordinatorError(.delivery, "POST \(url): transport: \(error)")
        }
        guard (200..<300).contains(status) else { throw CoordinatorError(.delivery, "POST \(url): HTTP \(status)") }
    }
}
