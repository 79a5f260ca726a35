import VantageCore

/// Runs `operation`, cancelling it and throwing `ObservationError(.timeout)` when `limit` passes first.
///
/// AsyncHTTPClient's own deadline stops at the response head; this one also covers streaming the body, so a
/// server trickling bytes is cut off.
func withDeadline<T: Sendable>(
    _ limit: Duration, _ what: @autoclosure () -> String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    do {
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExpired()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    } catch is DeadlineExpired {
        throw ObservationError(.timeout, "\(what()) did not complete within \(limit)")
    }
}

/// Thrown by the timer task of ``withDeadline(_:_:_:)``.
private struct DeadlineExpired: Error {}
