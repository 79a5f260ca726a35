import NIOCore
import VantageCore

/// An observation batch's body as ingest reads it, chunk by chunk: its bytes and their ``BatchScan``, and the first
/// observation's verdict as soon as that observation is complete. Reading stops (``feed(_:)`` returns `false`) once
/// the batch is over the count limit, is not shaped as agents write one (``BatchScan/malformed``), or its first
/// observation is not from an enrolled agent: the rest of a junk batch is never read, let alone decoded.
struct IngestBody: Sendable {
    let check: ObservationCheck
    let maxObservations: Int
    private(set) var bytes: [UInt8] = []
    private(set) var scan = BatchScan()
    /// The first observation and its verdict (`nil` until it is complete, or when it does not decode alone).
    private(set) var head: (SignedObservation, ObservationCheck.Verdict)?
    private var headDone = false
    /// ``feed(_:)`` returned `false`: the body may not have been read whole.
    private(set) var stopped = false

    init(check: ObservationCheck, maxObservations: Int) {
        self.check = check
        self.maxObservations = maxObservations
    }

    /// Whether reading stopped at an observation not shown to come from an enrolled agent.
    var stoppedAtUnauthenticated: Bool {
        if case .failure(let rejection)? = head?.1.result { return rejection.unauthenticated }
        return false
    }

    /// Takes the next chunk; `false` when the rest of the body is not worth reading.
    mutating func feed(_ chunk: ByteBuffer) -> Bool {
        bytes.append(contentsOf: chunk.readableBytesView)
        scan.feed(chunk.readableBytesView)
        if !headDone, !scan.malformed, let range = scan.first {
            headDone = true
            head = (try? Canonical.decode(SignedObservation.self, from: bytes[range])).map { ($0, check.check($0)) }
        }
        stopped = scan.count > maxObservations || scan.malformed || stoppedAtUnauthenticated
        return !stopped
    }
}
