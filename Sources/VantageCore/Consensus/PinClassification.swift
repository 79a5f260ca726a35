import VantageTUF

/// How a target's leading root relates to its current pin, as consensus decides it.
public enum PinClassification: String, Sendable, Hashable, Codable, CaseIterable {
    /// No pin yet: the first root a quorum saw.
    case first
    /// The pinned root itself.
    case same
    /// A new version with the pinned root's keys and threshold.
    case resigned
    /// A verified rotation chain leads from the pin to it.
    case rotated
    /// No verified chain from the pin: an unchained replacement (approvers' signatures needed).
    case replaced
    /// The coordinator could chain it, but the supporting agents attest it unchained: held like a replacement,
    /// since clients count the agents' verdicts, not the coordinator's.
    case unchained
    /// Not (yet) pinnable: its bytes are missing or it does not meet its own root threshold.
    case invalid
    /// `oci`/`file` under ``ChangePolicy/follow``: another digest than the pinned one, followed after
    /// `min_duration` like a re-signed root (a floating tag that moved).
    case moved
    /// `oci`/`file` under ``ChangePolicy/hold``: another digest than the pinned one (an immutable tag that moved, a key
    /// file that changed: a key rotation), held for approvers like a replacement.
    case changed

    /// A change clients accept only with approvers' signatures: a held replacement while pending.
    public var needsApprovers: Bool { self == .replaced || self == .unchained || self == .changed }

    init(_ kind: RootChange.Kind) {
        switch kind {
        case .same: self = .same
        case .resigned: self = .resigned
        case .rotated: self = .rotated
        case .replaced: self = .replaced
        }
    }
}
