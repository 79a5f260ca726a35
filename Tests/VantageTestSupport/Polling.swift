import Foundation

/// Polls `condition` every `every` until it returns a value (at most `seconds`); bounded, never a performance
/// assertion. An error of `condition` counts as "not yet" (and is named on timeout). Throws a ``TestFailure``
/// naming `what` on timeout.
@discardableResult
public func waitFor<T>(
    _ what: String, seconds: Double = 30, every: Duration = .milliseconds(200), _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await condition() { return value }
        } catch {
            lastError = error
        }
        if ContinuousClock.now >= deadline { break }
        try await Task.sleep(for: every)
    }
    throw TestFailure("timed out after \(seconds) s waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
}

/// ``waitFor(_:seconds:every:_:)`` for a boolean condition.
public func waitUntil(
    _ what: String, seconds: Double = 30, every: Duration = .milliseconds(200), _ condition: () async throws -> Bool
) async throws {
    try await waitFor(what, seconds: seconds, every: every) { try await condition() ? true : nil }
}
