/// An alert is a condition that a warning or critical event opens and exactly one `recovered` event resolves when
/// the condition ends, whatever comes next. Both carry the same key in `details.alert` (`<condition>:<subject>`,
/// what a pager deduplicates on) and `details.alert_state` (`open` or `resolved`). An event without a key is a
/// notice (a pin made, an admin action): delivered, never open.
public enum AlertCondition: String, Sendable, Hashable, CaseIterable {
    /// `split_view`: fresh agents see different roots.
    case splitView = "split_view"
    /// `replacement_held`: an unchained root waits for approvers (one alert per held digest).
    case replacementHeld = "replacement_held"
    /// `quorum_lost`: too few fresh agents support any root of a pinned target.
    case quorumLost = "quorum_lost"
    /// `unobservable`: every fresh agent's latest observation of the target is an error (a refusal, a failure).
    case unobservable
    /// `root_expiring`, then `root_expired`: the pinned root nears or passes its expiry.
    case rootExpiry = "root_expiry"
    /// `certificate_expiring`: a key certificate of the pinned root nears or passes its notAfter.
    case certificateExpiry = "certificate_expiry"
    /// `agent_silent`: an enrolled agent has not reported for `max_age`.
    case agentSilent = "agent_silent"
    /// `pin_unsupported`: a pin left out of the published list.
    case pinUnsupported = "pin_unsupported"
    /// `source_changed`: a target re-pointed at another source, open until the new source is pinned.
    case sourceChanged = "source_changed"

    /// The alert key of this condition for `subject` (a target, an agent, or a target and a digest).
    public func key(_ subject: String) -> String { "\(rawValue):\(subject)" }
}

extension VantageEvent {
    /// The alert this event opens or resolves (`details.alert`); `nil` for a notice.
    public var alert: String? { details["alert"] }

    /// Whether this event resolves its ``alert`` (`details.alert_state` is `resolved`).
    public var resolvesAlert: Bool { alert != nil && details["alert_state"] == "resolved" }

    /// This event, marked as opening (or re-raising) the alert `key`.
    public func opening(_ key: String) -> VantageEvent {
        var event = self
        event.details["alert"] = key
        event.details["alert_state"] = "open"
        return event
    }

    /// The `recovered` event that resolves the alert `key` of `subject` (target, or `agent:<id>`) at `now`.
    public static func resolution(
        of key: String, target: String?, subject: String, _ message: String, details: [String: String] = [:], now: Timestamp
    ) -> VantageEvent {
        VantageEvent(
            id: ConsensusEvents.eventID(target: subject, kind: .recovered, now: now, digest: key), kind: .recovered,
            severity: .info, target: target, at: now, message: message, details: details
        ).resolving(key)
    }

    /// This event, marked as resolving the alert `key`.
    public func resolving(_ key: String) -> VantageEvent {
        var event = self
        event.details["alert"] = key
        event.details["alert_state"] = "resolved"
        return event
    }
}
