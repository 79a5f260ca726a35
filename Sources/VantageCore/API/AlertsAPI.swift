/// An open alert (the latest event of its alert key, `details.alert`, opens it: no `recovered` resolved it since) and
/// who acknowledged it.
public struct AlertEntry: Sendable, Hashable, Codable {
    public var event: VantageEvent
    public var acknowledged: AlertAcknowledgement?

    public init(event: VantageEvent, acknowledged: AlertAcknowledgement?) {
        self.event = event
        self.acknowledged = acknowledged
    }
}

/// Who acknowledged an alert (the admin token's name), when, and why.
public struct AlertAcknowledgement: Sendable, Hashable, Codable {
    public var by: String
    public var at: Timestamp
    public var note: String?

    public init(by: String, at: Timestamp, note: String?) {
        self.by = by
        self.at = at
        self.note = note
    }
}

/// `POST /v1/alerts/{event id}/ack`.
public struct AcknowledgeRequest: Sendable, Hashable, Codable {
    public var note: String?
    public init(note: String?) { self.note = note }
}
