/// An agent's own verdict on a root, against the last root it verified for the same source (DESIGN.md trust
/// property 3). Signed into every attestation, so "this is a verified continuation" is the agents' word, never
/// the coordinator's.
public enum Continuity: String, Sendable, Hashable, Codable, CaseIterable {
    /// The agent had no verified root for this source: the root met its own threshold.
    case firstSight = "first_sight"
    /// The same bytes as the agent's last verified root.
    case same
    /// A newer root under the same root keys, verified against the last one.
    case resigned
    /// A newer root under other root keys, reached through a verified chain (TUF 5.3).
    case rotated
    /// What the source serves does not verify against the agent's last root (unchained replacement, rollback or
    /// equivocation). Such a root verifies at clients only with approvals.
    case unchained
    /// `oci`/`file` targets: other bytes than the first this agent saw for the source. Content has no signed chain,
    /// so whether such a change may be pinned without approvers is the target's ``ChangePolicy``, applied by every
    /// decider (a client's own policy may hold what the coordinator follows).
    case changed

    /// Whether the agent verified this root as a continuation of what it trusted (or had no history).
    public var isVerifiedContinuation: Bool { self != .unchained && self != .changed }

    /// Whether this verdict supports a pin without approvers' signatures: for a root target (`changes` is `nil`) a
    /// verified continuation; for an `oci` or `file` target whose changes are `changes`, first sight, the same bytes,
    /// or a change it follows (a root's verdicts mean nothing for content).
    public func supportsPin(under changes: ChangePolicy?) -> Bool {
        guard let changes else { return isVerifiedContinuation }
        switch self {
        case .firstSight, .same: return true
        case .changed: return changes == .follow
        case .resigned, .rotated, .unchained: return false
        }
    }
}

/// Whether a new digest of an `oci` or `file` target is pinned after `min_duration` like a re-signed root
/// (`follow`: floating tags) or held for approvers like an unchained replacement (`hold`: immutable tags, key files).
public enum ChangePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case follow, hold

    /// A kind's default: image tags float, files (keys) are held. Roots are decided by their signed chain.
    public static func `default`(for kind: TargetSpec.Kind) -> ChangePolicy { kind == .file ? .hold : .follow }
}
