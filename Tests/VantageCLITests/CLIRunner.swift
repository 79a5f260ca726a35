import Foundation
import VantageTestSupport

/// Runs the built `vantage` executables as a user would (black-box tests).
enum CLI {
    static func fixture(_ path: String) -> String { PackagePaths.path("Tests/VantageTUFTests/Fixtures/" + path) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool arguments…` with an optional environment overlay and returns its exit status and output.
    static func run(_ arguments: [String], tool: String = "vantage", environment: [String: String] = [:]) async throws -> Result {
        try await exec(PackagePaths.executable(tool), arguments, environment: environment)
    }

    /// Runs any executable and returns its exit status and output, waiting off the cooperative pool: a test waiting
    /// for a child must never block the pool (two threads here) that an in-process coordinator of the same test
    /// needs to answer that child.
    static func exec(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await offPool { try execBlocking(path, arguments, environment: environment) }
    }

    /// ``exec(_:_:environment:)`` waiting on the caller's thread: only for clean-up in a `defer`, where nothing can
    /// be awaited and no in-process server of the test still needs the pool.
    static func execBlocking(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let result = try runCommandBlocking(path, arguments, environment: .inherited(overlay: withoutProxies.merging(["NO_COLOR": "1"]) { $1 }.merging(environment) { $1 }))
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}
