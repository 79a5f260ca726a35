/// A total time limit on async work: the work runs in a child task that is cancelled when the limit passes (an
/// AsyncHTTPClient request is cancelled with it), so a source that answers slowly cannot hold a run.
public enum Deadline {
    /// The limit passed before the work finished.
    public struct Exceeded: Error, Sendable, CustomStringConvertible {
        public var limit: Duration
        public var description: String { "no complete answer within \(limit.components.seconds) s" }
    }

    /// The result of `body`, or ``Exceeded`` once `limit` has passed (`body` is cancelled and awaited).
    public static func run<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw Exceeded(limit: limit) }
            return value
        }
    }
}
