/// `GET /v1/events?after=CURSOR`.
public struct EventPage: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var cursor: Int64
        public var event: VantageEvent

        public init(cursor: Int64, event: VantageEvent) {
            self.cursor = cursor
            self.event = event
        }
    }

    public var events: [Entry]
    /// Pass as `after` to get the next page.
    public var next: Int64

    public init(events: [Entry], next: Int64) {
        self.events = events
        self.next = next
    }
}
