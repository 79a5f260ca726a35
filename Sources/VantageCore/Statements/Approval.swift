import VantageTUF

/// An approver's signed decision that `sha256` may become the root of `target` at `source` although the
/// supporting agents do not attest it as a verified continuation (DESIGN.md trust property 3). Signed with the
/// approver's own Ed25519 key (`vantage approver keygen`); the coordinator key is never an approver.
public struct ApprovalStatement: Sendable, Hashable, Codable {
    public static let type = "vantage-approval/v1"

    public var type: String = ApprovalStatement.type
    public var approver: String
    public var target: String
    public var source: RepositorySource
    public var sha256: String
    public var approvedAt: Timestamp

    public init(approver: String, target: String, source: RepositorySource, sha256: String, approvedAt: Timestamp) {
        self.approver = approver
        self.target = target
        self.source = source
        self.sha256 = sha256
        self.approvedAt = approvedAt
    }

    public var signingBytes: [UInt8] {
        get throws { try Canonical.bytes(of: self) }
    }

    enum CodingKeys: String, CodingKey {
        case type, approver, target, source, sha256
        case approvedAt = "approved_at"
    }
}

/// An approval as carried in a pin and sent to `POST /v1/targets/{id}/approve`.
public struct Approval: Sendable, Hashable, Codable {
    public var approver: String
    public var approvedAt: Timestamp
    /// Base64 Ed25519 signature over ``ApprovalStatement/signingBytes``.
    public var signature: String

    public init(approver: String, approvedAt: Timestamp, signature: String) {
        self.approver = approver
        self.approvedAt = approvedAt
        self.signature = signature
    }

    /// Signs an approval of (`target`, `source`, `sha256`) as `approver` with `identity`.
    public init(
        approver: String, target: String, source: RepositorySource, sha256: String, at: Timestamp, identity: SigningIdentity
    ) throws {
        let statement = ApprovalStatement(approver: approver, target: target, source: source, sha256: sha256, approvedAt: at)
        self.init(approver: approver, approvedAt: at, signature: ByteEncoding.base64Encode(try identity.sign(try statement.signingBytes)))
    }

    public func statement(target: String, source: RepositorySource, sha256: String) -> ApprovalStatement {
        ApprovalStatement(approver: approver, target: target, source: source, sha256: sha256, approvedAt: approvedAt)
    }

    enum CodingKeys: String, CodingKey {
        case approver, signature
        case approvedAt = "approved_at"
    }
}

/// A named Ed25519 key that may sign approvals (in trust policies, coordinator and agent configuration).
public struct ApproverKey: Sendable, Hashable, Codable {
    public var id: String
    public var publicKey: PublicIdentity

    public init(id: String, publicKey: PublicIdentity) {
        self.id = id
        self.publicKey = publicKey
    }

    enum CodingKeys: String, CodingKey {
        case id
        case publicKey = "public_key"
    }
}

/// Counts approvals of one (target, source, digest) by distinct approver keys (pure; used by clients, the
/// coordinator and agents alike).
public enum ApprovalVerifier {
    /// The approvers whose valid signatures are among `approvals`, and why the others did not count.
    public static func valid(
        _ approvals: [Approval], target: String, source: RepositorySource, sha256: String, approvers: [ApproverKey],
        notAfter: Timestamp
    ) -> (approvers: Set<String>, rejected: [String]) {
        var valid = Set<String>()
        var keys = Set<PublicIdentity>()
        var rejected: [String] = []
        for approval in approvals {
            guard let approver = approvers.first(where: { $0.id == approval.approver }) else {
                rejected.append("\(approval.approver.prefix(100)): not an approver of the policy")
                continue
            }
            guard let signature = ByteEncoding.base64Decode(approval.signature),
                let message = try? approval.statement(target: target, source: source, sha256: sha256).signingBytes,
                approver.publicKey.isValidSignature(signature, for: message, cache: .current)
            else {
                rejected.append("\(approver.id): signature does not verify for this target, source and digest")
                continue
            }
            if approval.approvedAt > notAfter {
                rejected.append("\(approver.id): approved at \(approval.approvedAt), in the future")
                continue
            }
            // Distinct keys, not distinct names: one key listed twice is one approver.
            if keys.insert(approver.publicKey).inserted { valid.insert(approver.id) }
        }
        return (valid, rejected)
    }
}
