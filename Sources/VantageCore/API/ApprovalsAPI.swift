/// `POST /v1/targets/{id}/approve`: an approver's signed approval of a digest for the target's source.
public struct ApproveRequest: Sendable, Hashable, Codable {
    public var sha256: String
    public var approval: Approval
    /// Free text for operators; not signed, never shown as the approver.
    public var note: String?

    public init(sha256: String, approval: Approval, note: String? = nil) {
        self.sha256 = sha256
        self.approval = approval
        self.note = note
    }
}

/// `GET /v1/targets/{id}/approvals`: every stored approval of the target's current source, so agents can check
/// them against the approver keys of their own configuration before adopting an unchained root.
public struct ApprovalSet: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var sha256: String
        public var approvals: [Approval]

        public init(sha256: String, approvals: [Approval]) {
            self.sha256 = sha256
            self.approvals = approvals
        }
    }

    public var target: String
    public var source: RepositorySource
    public var digests: [Entry]

    public init(target: String, source: RepositorySource, digests: [Entry]) {
        self.target = target
        self.source = source
        self.digests = digests
    }
}
