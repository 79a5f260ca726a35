import VantageCore

/// One alert delivery channel. `deliver` returns when the channel accepted the event and throws
/// ``CoordinatorError`` (`delivery`) otherwise; the outbox retries with backoff, so delivery is at least once and
/// receivers deduplicate by ``VantageCore/VantageEvent/id``.
protocol AlertSink: Sendable {
    /// The outbox channel name (`webhook`, `slack`, `hook`).
    var channel: String { get }
    func deliver(_ event: VantageEvent) async throws
}
