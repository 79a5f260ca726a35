import Crypto
import VantageTUF

/// Which events a consensus decision raises, given the target's previous status (pure; transitions only, so a
/// steady state raises nothing).
public enum ConsensusEvents {
    /// - Parameters:
    ///   - previous: the target's status after the previous round.
    ///   - held: the digest held as an unchained replacement after the previous round, if any: `replacement_held`
    ///     fires when a replacement is first held and again whenever a different one takes its place (also after a
    ///     rotation that was pending for `min_duration`), never twice for the same held digest.
    public static func events(
        target: String, previous: ConsensusDecision.Status?, held: String? = nil, decision: ConsensusDecision,
        pinned: String?, now: Timestamp
    ) -> [VantageEvent] {
        var events: [VantageEvent] = []
        func add(_ kind: VantageEvent.Kind, _ severity: VantageEvent.Severity, _ message: String, _ details: [String: String] = [:]) {
            events.append(VantageEvent(
                id: eventID(target: target, kind: kind, now: now, digest: decision.leading ?? pinned ?? ""),
                kind: kind, severity: severity, target: target, at: now, message: message, details: details))
        }
        var details = ["supporters": decision.supporters.map { "\($0.agent)@\($0.region)" }.joined(separator: ",")]
        if let leading = decision.leading { details["sha256"] = leading }
        if let pinned { details["pinned_sha256"] = pinned }
        if !decision.dissenters.isEmpty {
            details["dissenters"] = decision.dissenters.map { "\($0.agent)@\($0.region)=\($0.sha256 ?? "-")" }.joined(separator: ",")
        }
        let why = decision.reasons.joined(separator: "; ")
        switch decision.action {
        case .pin(let digest, let classification):
            switch classification {
            case .first: add(.firstPin, .info, "first pin \(digest)", details)
            case .resigned: add(.resigned, .info, "root re-signed, pin follows: \(why)", details)
            case .rotated: add(.rotated, .warning, "root rotated, pin follows: \(why)", details)
            // A replacement is pinned only with approvers' signatures (and after any hold): a planned change, worth a
            // warning; the page-worthy moment is `replacement_held`, a replacement nobody approved.
            default: add(.replaced, .warning, "replacement root pinned with approvers' signatures: \(why)", details)
            }
            return events
        case .keep: break
        }
        switch decision.status {
        case .splitView where previous != .splitView:
            add(.splitView, .critical, "agents see different roots: \(why)", details)
        case .pending where decision.classification?.needsApprovers == true && decision.leading != held:
            add(.replacementHeld, .critical, "unchained root replacement held: \(why)", details)
        case .noConsensus where pinned != nil && previous != .noConsensus:
            add(.quorumLost, .warning, "quorum lost for the pinned root: \(why)", details)
        case .agreed where previous == .splitView || previous == .noConsensus:
            add(.recovered, .info, "agents agree again on the pinned root", details)
        default: break
        }
        return events
    }

    /// A stable idempotency ID for an event.
    public static func eventID(target: String, kind: VantageEvent.Kind, now: Timestamp, digest: String) -> String {
        let text = "\(target)\n\(kind.rawValue)\n\(now.seconds)\n\(digest)"
        return String(ByteEncoding.hexEncode(SHA256.hash(data: Array(text.utf8))).prefix(32))
    }
}
