import Foundation
import VantageTestSupport

extension ChildProcess {
    /// Starts a program with stdout and stderr appended to `logPath` (``logTail(_:)``), `environment` on top of the
    /// test process's and no proxy. The pid is the program's own (bash execs it; `ip netns exec` execs it too), so
    /// signals reach the program.
    convenience init(name: String, _ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        try self.init(executable, arguments, outputPath: logPath, environment: .inherited(overlay: withoutProxies.merging(environment) { $1 }))
    }
}

/// Runs a command to completion off the cooperative pool, without proxies.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    try await runCommand(executable, arguments, environment: .inherited(overlay: withoutProxies.merging(environment) { $1 }))
}

/// Like ``run(_:_:environment:)`` but throws unless the command exits 0.
@discardableResult
func runChecked(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    let result = try await run(executable, arguments, environment: environment)
    guard result.status == 0 else {
        throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed: \(result)")
    }
    return result
}

/// Where a command runs: on this host (loopback) or inside a network namespace (`ip netns exec NS …`).
struct Place: Sendable, CustomStringConvertible {
    /// Prepended to every command line; empty for this host.
    let wrapper: [String]
    let description: String

    static let local = Place(wrapper: [], description: "local")

    func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        guard let first = wrapper.first else { return (executable, arguments) }
        return (first, Array(wrapper.dropFirst()) + [executable] + arguments)
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        let (tool, args) = command(executable, arguments)
        return try await VantageSystemTests.run(tool, args, environment: environment)
    }

    @discardableResult
    func runChecked(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        let (tool, args) = command(executable, arguments)
        return try await VantageSystemTests.runChecked(tool, args, environment: environment)
    }

    func spawn(name: String, _ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws
        -> ChildProcess
    {
        let (tool, args) = command(executable, arguments)
        return try ChildProcess(name: name, tool, args, logPath: logPath, environment: environment)
    }
}
