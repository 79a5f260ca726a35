/// The verdict on one rotation step, root N → N+1 (TUF specification §5.3.4 – 5.3.5).
public struct ChainStepResult: Sendable, Hashable, Encodable {
    public var fromVersion: Int
    public var toVersion: Int
    /// Signatures on the new root counted against the trusted root's root role.
    public var trusted: ThresholdResult
    /// Signatures on the new root counted against its own root role.
    public var own: ThresholdResult
    /// Why the step was rejected; empty when accepted.
    public var reasons: [String]

    public var isAccepted: Bool { reasons.isEmpty }

    enum CodingKeys: String, CodingKey {
        case trusted, own, reasons, accepted
        case fromVersion = "from_version"
        case toVersion = "to_version"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fromVersion, forKey: .fromVersion)
        try c.encode(toVersion, forKey: .toVersion)
        try c.encode(isAccepted, forKey: .accepted)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(trusted, forKey: .trusted)
        try c.encode(own, forKey: .own)
    }
}
