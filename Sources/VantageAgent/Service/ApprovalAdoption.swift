import VantageClient
import VantageCore

/// When an agent adopts an unchained root as its trusted root: only on approvals that verify under the approver
/// keys of its own configuration (DESIGN.md trust property 3). The coordinator merely relays approvals; it cannot
/// make one count.
public struct ApprovalAdoption: Sendable {
    public var approvers: [ApproverKey]
    public var threshold: Int
    /// Fetches the approvals of a target (from each coordinator in turn).
    let fetch: @Sendable (String) async -> [ApprovalSet]

    public init(approvers: [ApproverKey], threshold: Int, fetch: @escaping @Sendable (String) async -> [ApprovalSet]) {
        self.approvers = approvers
        self.threshold = threshold
        self.fetch = fetch
    }

    /// Approvals from the coordinators' `GET /v1/targets/{id}/approvals`, in order; unreachable ones are skipped.
    public init(approvers: [ApproverKey], threshold: Int, coordinators: [CoordinatorClient]) {
        self.init(approvers: approvers, threshold: threshold) { target in
            var sets: [ApprovalSet] = []
            for client in coordinators {
                if let set = try? await client.approvals(target) { sets.append(set) }
            }
            return sets
        }
    }

    /// Whether `threshold` distinct configured approvers signed (`target`, `source`, `sha256`).
    public func isApproved(target: String, source: RepositorySource, sha256: String, now: Timestamp) async -> Bool {
        guard !approvers.isEmpty else { return false }
        let approvals = await fetch(target).filter { $0.target == target && $0.source == source }
            .flatMap { $0.digests.filter { $0.sha256 == sha256 }.flatMap(\.approvals) }
        let valid = ApprovalVerifier.valid(
            approvals, target: target, source: source, sha256: sha256, approvers: approvers, notAfter: now.adding(seconds: ConsensusPolicy.skewSeconds))
        return valid.approvers.count >= threshold
    }
}
