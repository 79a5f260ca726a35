/// A test server process that prints its port on stdout; ``stop()`` kills it (SIGKILL: nothing to flush), and closing
/// its stdin makes `--watch-stdin` servers exit should the test process die first.
public final class BackgroundServer: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int

    /// Starts `command` and waits (off the cooperative pool) for the port it prints.
    public init(_ command: [String]) async throws {
        process = try ChildProcess(command[0], Array(command.dropFirst()))
        guard let port = Int((try? await process.firstLine()) ?? "") else {
            process.stop()
            throw TestFailure("\(command[0]) \(command.dropFirst().first ?? "") did not print its port")
        }
        self.port = port
    }

    public func stop() { process.stop() }
}
