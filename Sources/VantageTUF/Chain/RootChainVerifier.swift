import Foundation

/// Verifies root rotations as TUF clients do (specification §5.3; python-tuf `update_root`).
///
/// A step from trusted root N to N+1 is accepted when N+1's version is exactly N's + 1, N+1 is signed by a
/// threshold of N's root keys and by a threshold of its own root keys (distinct key material each), and both
/// are of the same dialect. Intermediate expiry is ignored; only the final root must be unexpired.
public enum RootChainVerifier {
    /// Verifies the single step `trusted` → `next`.
    public static func step(from trusted: Root, to next: Root) -> ChainStepResult {
        let byTrusted = RootVerifier.count(next, role: trusted.rootRole, keys: trusted.keys, dialect: next.dialect)
        let byOwn = RootVerifier.selfCheck(next)
        var reasons: [String] = []
        if trusted.dialect != next.dialect {
            reasons.append("dialect changed from \(trusted.dialect.rawValue) to \(next.dialect.rawValue)")
        }
        if next.version != trusted.version + 1 {
            reasons.append("version \(next.version) does not follow \(trusted.version)")
        }
        if !byTrusted.isMet {
            reasons.append(
                "signed by \(byTrusted.count) of the trusted root's keys, threshold \(byTrusted.threshold)")
        }
        if !byOwn.isMet {
            reasons.append("signed by \(byOwn.count) of its own root keys, threshold \(byOwn.threshold)")
        }
        return ChainStepResult(
            fromVersion: trusted.version, toVersion: next.version, trusted: byTrusted, own: byOwn, reasons: reasons)
    }

    /// Verifies a whole chain: the first root must meet its own threshold (it is the starting point), every
    /// step must be accepted, and the last root must not be expired at `now`.
    public static func verify(_ chain: [Root], at now: Date) -> ChainResult {
        guard let first = chain.first else {
            return ChainResult(start: nil, steps: [], finalVersion: nil, finalExpires: nil, reasons: ["empty chain"])
        }
        let start = RootVerifier.selfCheck(first)
        var reasons: [String] = []
        if !start.isMet {
            reasons.append(
                "trusted root v\(first.version) is signed by \(start.count) of its root keys, threshold \(start.threshold)")
        }
        var steps: [ChainStepResult] = []
        var last = first
        for next in chain.dropFirst() {
            let result = step(from: last, to: next)
            steps.append(result)
            guard result.isAccepted else {
                reasons.append(contentsOf: result.reasons.map { "v\(last.version) → v\(next.version): \($0)" })
                break
            }
            last = next
        }
        if reasons.isEmpty, last.expires <= now {
            reasons.append("final root v\(last.version) expired at \(RFC3339.format(last.expires))")
        }
        return ChainResult(
            start: start, steps: steps, finalVersion: last.version, finalExpires: last.expires, reasons: reasons)
    }
}

/// The verdict on a whole chain of roots.
public struct ChainResult: Sendable, Hashable, Encodable {
    /// The first root counted against its own root role.
    public var start: ThresholdResult?
    /// Steps verified, up to and including the first rejected one.
    public var steps: [ChainStepResult]
    /// Version and expiry of the last root reached by accepted steps.
    public var finalVersion: Int?
    public var finalExpires: Date?
    public var reasons: [String]

    public var isAccepted: Bool { reasons.isEmpty }

    enum CodingKeys: String, CodingKey {
        case start, steps, reasons, accepted
        case finalVersion = "final_version"
        case finalExpires = "final_expires"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isAccepted, forKey: .accepted)
        try c.encode(reasons, forKey: .reasons)
        try c.encodeIfPresent(finalVersion, forKey: .finalVersion)
        try c.encodeIfPresent(finalExpires.map(RFC3339.format), forKey: .finalExpires)
        try c.encodeIfPresent(start, forKey: .start)
        try c.encode(steps, forKey: .steps)
    }
}
