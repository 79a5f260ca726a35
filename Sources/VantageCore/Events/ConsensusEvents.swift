import Crypto
import VantageTUF

/// The alert a target's consensus holds open. At most one at a time: each follows from the decision's status.
public enum ConsensusAlert: Sendable, Hashable {
    case splitView
    /// An unchained replacement waits for approvers: one alert per held digest.
    case replacementHeld(sha256: String)
    /// A pinned target without a quorum.
    case quorumLost

    /// The alert `decision` holds open (`pinned`: the target has a pin), if any.
    public init?(_ decision: ConsensusDecision, pinned: Bool) {
        switch (decision.status, decision.leading) {
        case (.splitView, _): self = .splitView
        case (.pending, let leading?) where decision.classification?.needsApprovers == true: self = .replacementHeld(sha256: leading)
        case (.noConsensus, _) where pinned: self = .quorumLost
        default: return nil
        }
    }

    /// The stored form: `split_view`, `replacement_held:<sha256>` or `quorum_lost`.
    public var stored: String {
        switch self {
        case .splitView: "split_view"
        case .replacementHeld(let sha256): "replacement_held:\(sha256)"
        case .quorumLost: "quorum_lost"
        }
    }

    /// Parses ``stored``; `nil` for anything else (`ok`).
    public init?(stored: String) {
        switch stored {
        case "split_view": self = .splitView
        case "quorum_lost": self = .quorumLost
        case _ where stored.hasPrefix("replacement_held:"): self = .replacementHeld(sha256: String(stored.dropFirst("replacement_held:".count)))
        default: return nil
        }
    }

    /// The alert key (`details.alert`) for `target`.
    public func key(target: String) -> String {
        switch self {
        case .splitView: AlertCondition.splitView.key(target)
        case .replacementHeld(let sha256): AlertCondition.replacementHeld.key("\(target):\(sha256)")
        case .quorumLost: AlertCondition.quorumLost.key(target)
        }
    }
}

/// Which events a consensus decision raises (pure; transitions only, so a steady state raises nothing): a notice
/// for a pin it makes, the resolution of the alert the target held open when the decision ends it, and the
/// opening of the alert it starts.
public enum ConsensusEvents {
    /// - Parameters:
    ///   - open: the alert the target holds open before this decision. `replacement_held` opens when a replacement is
    ///     first held and again for each different one that takes its place (the previous one resolved), never twice
    ///     for the same held digest.
    /// - Returns: the events, and the alert open after this decision.
    public static func events(
        target: String, open: ConsensusAlert?, decision: ConsensusDecision, pinned: String?, now: Timestamp, content: Bool = false
    ) -> (events: [VantageEvent], open: ConsensusAlert?) {
        var events: [VantageEvent] = []
        var details = ["supporters": decision.supporters.map { "\($0.agent)@\($0.region)" }.joined(separator: ",")]
        if let leading = decision.leading { details["sha256"] = leading }
        if let pinned { details["pinned_sha256"] = pinned }
        if !decision.dissenters.isEmpty {
            details["dissenters"] = decision.dissenters.map { "\($0.agent)@\($0.region)=\($0.sha256 ?? "-")" }.joined(separator: ",")
        }
        func event(_ kind: VantageEvent.Kind, _ severity: VantageEvent.Severity, _ message: String) -> VantageEvent {
            VantageEvent(
                id: eventID(target: target, kind: kind, now: now, digest: decision.leading ?? pinned ?? ""),
                kind: kind, severity: severity, target: target, at: now, message: message, details: details)
        }
        let why = decision.reasons.joined(separator: "; ")
        if case .pin(let digest, let classification) = decision.action {
            switch classification {
            case .first: events.append(event(.firstPin, .info, "first pin \(digest)"))
            case .resigned: events.append(event(.resigned, .info, "root re-signed, pin follows: \(why)"))
            case .rotated: events.append(event(.rotated, .warning, "root rotated, pin follows: \(why)"))
            case .moved: events.append(event(.moved, .warning, "digest moved, pin follows: \(why)"))
            case .changed: events.append(event(.changed, .warning, "changed digest pinned with approvers' signatures: \(why)"))
            // A replacement is pinned only with approvers' signatures (and after any hold): a planned change, worth a
            // warning; the page-worthy moment is `replacement_held`, a replacement nobody approved.
            default: events.append(event(.replaced, .warning, "replacement root pinned with approvers' signatures: \(why)"))
            }
        }
        let next = ConsensusAlert(decision, pinned: pinned != nil)
        if let open, open != next {
            events.append(resolution(of: open, target: target, decision: decision, details: details, now: now, agreed: event))
        }
        if let next, next != open {
            let opening = switch next {
            // An `oci` or `file` target has digests of content, not roots.
            case .splitView: event(.splitView, .critical, content ? "agents see different digests: \(why)" : "agents see different roots: \(why)")
            case .replacementHeld: event(.replacementHeld, .critical,
                content ? "changed digest held for approvers: \(why)" : "unchained root replacement held: \(why)")
            case .quorumLost: event(.quorumLost, .warning, "quorum lost for the pinned \(content ? "digest" : "root"): \(why)")
            }
            events.append(opening.opening(next.key(target: target)))
        }
        return (events, next)
    }

    /// The `recovered` event ending `open`. Agreement after a split view or a lost quorum keeps the message and id it
    /// always had (`agreed`); any other next state is named in the message.
    static func resolution(
        of open: ConsensusAlert, target: String, decision: ConsensusDecision, details: [String: String], now: Timestamp,
        agreed: (VantageEvent.Kind, VantageEvent.Severity, String) -> VantageEvent
    ) -> VantageEvent {
        let key = open.key(target: target)
        if decision.status == .agreed, open == .splitView || open == .quorumLost {
            return agreed(.recovered, .info, "agents agree again on the pinned root").resolving(key)
        }
        let state: String
        if case .pin(let digest, let classification) = decision.action {
            state = "pinned \(digest.prefix(16)) (\(classification.rawValue))"
        } else {
            state = ([decision.status.rawValue] + decision.reasons).joined(separator: ": ")
        }
        let what = switch open {
        case .splitView: "split view"
        case .replacementHeld(let sha256): "held replacement \(sha256.prefix(16))"
        case .quorumLost: "quorum loss"
        }
        return VantageEvent.resolution(of: key, target: target, subject: target, "\(what) ended: now \(state)", details: details, now: now)
    }

    /// `unobservable` when every fresh agent's latest observation of the target is an error (`open` false before),
    /// naming the error kinds and the agents' messages (an agent's refusal names its rule); resolved when an agent
    /// observes a root again or no fresh observation is left.
    /// - Returns: the events, and whether the alert is open after this decision.
    public static func observability(
        target: String, open: Bool, decision: ConsensusDecision, now: Timestamp
    ) -> (events: [VantageEvent], open: Bool) {
        let failing = decision.failing
        let next = decision.unobservable
        let key = AlertCondition.unobservable.key(target)
        guard next != open else { return ([], open) }
        guard next else {
            let why = decision.supporters.isEmpty && decision.dissenters.isEmpty ? "no fresh observation is left" : "an agent observes a root again"
            return ([VantageEvent.resolution(of: key, target: target, subject: target, "unobservable ended: \(why)", now: now)], false)
        }
        let kinds = Array(Set(failing.map { $0.errorKind ?? "error" })).sorted()
        // The message most agents report (ties: the first in order): usually one rule, reported by every agent.
        var counts: [String: Int] = [:]
        for view in failing { counts[view.errorMessage ?? "", default: 0] += 1 }
        let message = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first?.key ?? ""
        let details = [
            "error_kind": kinds.joined(separator: ","), "error_message": message,
            "agents": failing.map { "\($0.agent)@\($0.region)=\($0.errorKind ?? "error")" }.joined(separator: ","),
        ]
        let event = VantageEvent(
            id: eventID(target: target, kind: .unobservable, now: now, digest: kinds.joined(separator: ",")), kind: .unobservable,
            severity: .critical, target: target, at: now,
            message: "no agent observes \(target): all \(failing.count) fresh observations are errors (\(kinds.joined(separator: ", ")))"
                + (message.isEmpty ? "" : ": \(message)"),
            details: details)
        return ([event.opening(key)], true)
    }

    /// `source_changed`: the operator's configuration re-pointed `target` from `old` (its description) to `new`; nothing
    /// carries over. Open until the new source is pinned (``ConsensusPlanner``) or the target is removed.
    public static func sourceChanged(target: String, from old: String, to new: RepositorySource, now: Timestamp) -> VantageEvent {
        VantageEvent(
            id: eventID(target: target, kind: .sourceChanged, now: now, digest: new.storageKey),
            kind: .sourceChanged, severity: .critical, target: target, at: now,
            message: "target \(target) now fetches from \(new) (was \(old)): its history and pin do not carry over",
            details: ["old_source": old, "new_source": new.description]
        ).opening(AlertCondition.sourceChanged.key(target))
    }

    /// A stable idempotency ID for an event.
    public static func eventID(target: String, kind: VantageEvent.Kind, now: Timestamp, digest: String) -> String {
        let text = "\(target)\n\(kind.rawValue)\n\(now.seconds)\n\(digest)"
        return String(ByteEncoding.hexEncode(SHA256.hash(data: Array(text.utf8))).prefix(32))
    }
}
