import Foundation
import VantageTUF

/// The work issue 23 counts beside the times: canonical encodings and Ed25519 verifications (``OperationCounters``) of
/// one measured step, per observation, per changed target or per pin.
enum BenchCounters {
    /// `body`'s value and the counts of the whole process while it ran: for work a server does on its own tasks (ingest
    /// over HTTP), with nothing else running.
    static func process<T>(_ body: () async throws -> T) async rethrows -> (T, OperationCounters.Counts) {
        let before = OperationCounters.total
        let value = try await body()
        return (value, OperationCounters.total.since(before))
    }

    /// `counts` over `units`, e.g. "per observation: 2.00 canonical encodings, 2.00 Ed25519 verifications".
    static func per(_ unit: String, _ counts: OperationCounters.Counts, _ units: Int) -> String {
        let n = Double(max(1, units))
        return String(
            format: "per %@: %.2f canonical encodings, %.2f Ed25519 verifications", unit, Double(counts.canonicalEncodings) / n,
            Double(counts.ed25519Verifications) / n)
    }
}
