import Foundation
import VantageTestSupport

/// Runs the built `vantage` executables as a user would (black-box tests).
enum CLI {
    /// The folder holding the built products (the test bundle lives there too).
    static let productsDirectory: URL = {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        // `swift test` may run the binary inside a bundle folder (…/vantagePackageTests.xctest/…).
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("vantage").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    /// The package root (for fixtures shared with other test targets).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ path: String) -> String {
        packageRoot.appendingPathComponent("Tests/VantageTUFTests/Fixtures").appendingPathComponent(path).path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool arguments…` with an optional environment overlay and returns its exit status and output.
    static func run(_ arguments: [String], tool: String = "vantage", environment: [String: String] = [:]) async throws -> Result {
        try await exec(productsDirectory.appendingPathComponent(tool).path, arguments, environment: environment)
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
        let result = try runCommandBlocking(path, arguments, environment: .inherited(overlay: ["NO_COLOR": "1"].merging(environment) { $1 }))
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}
