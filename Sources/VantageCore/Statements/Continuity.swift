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

    /// Whether the agent verified this root as a continuation of what it trusted (or had no history).
    public var isVerifiedContinuation: Bool { self != .unchained }
}
