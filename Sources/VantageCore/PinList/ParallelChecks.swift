import Dispatch
import Synchronization

/// Runs independent checks on several threads and answers as a sequential loop would: the failure of the lowest
/// index, or `nil`. Pure CPU work (signature checks), no I/O; the result does not depend on the thread count.
enum ParallelChecks {
    /// Checks of `0..<count` in contiguous chunks on up to `threads` threads; a chunk stops at its first failure,
    /// and chunks after a failed one stop early (their failures could not be the first).
    static func firstFailure<F: Sendable>(count: Int, threads: Int, _ check: @Sendable (Int) -> F?) -> F? {
        guard threads > 1, count > 1 else {
            for index in 0..<count { if let failure = check(index) { return failure } }
            return nil
        }
        // Several chunks a thread, so a thread that finishes early takes another (signature costs vary little).
        let size = (count + threads * 4 - 1) / (threads * 4)
        let chunks = (count + size - 1) / size
        let firstFailed = Atomic<Int>(Int.max)
        let failures = Mutex<[Int: F]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (chunk * size)..<min(count, (chunk + 1) * size) {
                if chunk > firstFailed.load(ordering: .relaxed) { return }
                if let failure = check(index) {
                    failures.withLock { $0[chunk] = failure }
                    _ = firstFailed.min(chunk, ordering: .relaxed)
                    return
                }
            }
        }
        return failures.withLock { found in found.min { $0.key < $1.key }?.value }
    }
}
