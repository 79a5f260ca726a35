import Foundation
import VantageTestSupport

/// Teardown actions of one test, run in reverse order on every path (success, failure, time limit).
final class Cleanup: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [@Sendable () async -> Void] = []
    let scratch: Scratch

    init(scratch: Scratch) { self.scratch = scratch }

    func add(_ action: @escaping @Sendable () async -> Void) {
        lock.withLock { actions.append(action) }
    }

    func run() async {
        let pending: [@Sendable () async -> Void] = lock.withLock {
            defer { actions = [] }
            return actions.reversed()
        }
        for action in pending { await action() }
    }
}

/// Runs `body` with a fresh scratch folder and a ``Cleanup``; the teardown runs whether `body` returns or throws.
/// The scratch folder (configurations and every process log) is kept when `body` throws or when
/// `VANTAGE_KEEP_SCRATCH` is set, and its path is added to the error.
func withSystem(_ label: String, _ body: (Cleanup) async throws -> Void) async throws {
    let scratch = try Scratch("vst-\(label)")
    let cleanup = Cleanup(scratch: scratch)
    do {
        try await body(cleanup)
    } catch {
        await cleanup.run()
        throw TestFailure("\(error)\n(logs and configuration kept in \(scratch.path))")
    }
    await cleanup.run()
    if ProcessInfo.processInfo.environment["VANTAGE_KEEP_SCRATCH"] == nil { scratch.remove() }
}
