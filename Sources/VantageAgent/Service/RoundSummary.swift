import VantageCore

/// What one `run --once` round did, and the exit status it earns (agents/README, "run --once").
public struct RoundSummary: Sendable, Hashable {
    /// One coordinator's side of the round.
    public struct Delivery: Sendable, Hashable {
        public var coordinator: String
        public var accepted = 0
        /// Rejected observations by the coordinator's reason.
        public var rejected: [String: Int] = [:]
        /// Why the last attempt failed, when the spool was not drained.
        public var failure: String?

        public init(coordinator: String) { self.coordinator = coordinator }
    }

    /// Targets probed (configured plus those from the coordinator).
    public var targets = 0
    /// Probes that ended with a verified root, and the others by error kind.
    public var observed = 0
    public var failed: [String: Int] = [:]
    /// Why `targets_from_coordinator` got no list, when it did not.
    public var catalogFailure: String?
    public var deliveries: [Delivery] = []

    public init() {}

    /// Exit status 0 ok · 1 no coordinator took the round (unreachable — for the target list too —, or a spool not
    /// drained) · 2 nothing was accepted (every observation rejected) · 3 there were no targets.
    public var exitCode: Int32 {
        if targets == 0 { return catalogFailure == nil ? 3 : 1 }
        if deliveries.contains(where: { $0.failure != nil }) || deliveries.isEmpty { return 1 }
        if deliveries.allSatisfy({ $0.accepted == 0 }) { return 2 }
        return 0
    }

    /// The human summary `run --once` prints.
    public var text: String {
        func counts(_ values: [String: Int]) -> String {
            values.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        var lines = ["targets: \(targets) probed, \(observed) observed" + (failed.isEmpty ? "" : ", failed: \(counts(failed))")]
        if let catalogFailure { lines.append("targets from the coordinator: not fetched (\(catalogFailure))") }
        for d in deliveries {
            var line = "coordinator \(d.coordinator): \(d.accepted) accepted"
            if !d.rejected.isEmpty { line += ", rejected: \(counts(d.rejected))" }
            line += d.failure.map { "; delivery failed: \($0) (observations stay in the spool)" } ?? "; spool drained"
            lines.append(line)
        }
        switch exitCode {
        case 1: lines.append("result: no coordinator took this round (exit 1)")
        case 2: lines.append("result: the coordinators accepted nothing (exit 2): check the agent's enrolment (id, region, key)")
        case 3: lines.append("result: no targets to probe (exit 3): add targets to the configuration or the coordinator")
        default: lines.append("result: ok")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
