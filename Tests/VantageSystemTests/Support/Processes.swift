import Foundation

/// A failure raised by the harness itself (a timeout, a command that failed), with a message for the test log.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A bash prologue that closes every descriptor above 2 and then execs `"$@"`: children (and daemons they leave
/// behind, like notary-server) must not inherit pipes or sockets of the test process or of other children.
let closeInheritedDescriptors =
    #"for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi; done; exec "$@""#

/// A child process started with `posix_spawn` and reaped with `waitpid` (Foundation's `Process` can miss exits
/// when many children run at once). stdout and stderr go to a log file; stdin is /dev/null. The pid is the
/// program's own (bash execs it; `ip netns exec` execs it too), so signals reach the program.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let name: String
    let logPath: String
    private let lock = NSLock()
    private var status: Int32?

    init(name: String, _ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.name = name
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["/bin/bash", "-c", closeInheritedDescriptors, "bash", executable] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // Loopback and namespace addresses only: never through a proxy.
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] { env[key] = nil }
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in cEnv { free(entry) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/bash", &actions, nil, &cArgs, &cEnv)
        guard result == 0 else { throw TestFailure("posix_spawn \(executable) failed: \(result)") }
        pid = child
    }

    /// Blocks until the child exits; its exit status (128 + signal when killed).
    func waitForExit() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = code
        return code
    }

    /// `true` while the child has not exited (never blocks).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return false
        }
        return result == 0
    }

    func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if status == nil { kill(pid, signal) }
    }

    /// Waits (off the cooperative pool) for the child to exit.
    func wait() async -> Int32 {
        (try? await offPool { self.waitForExit() }) ?? -1
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns the exit status.
    @discardableResult
    func terminate(grace: Duration = .seconds(10)) async -> Int32 {
        if Task.isCancelled {  // sleeping would return at once: no busy wait on a cancelled (timed-out) test
            kill9()
            return await wait()
        }
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if isRunning { signal(SIGKILL) }
        return await wait()
    }

    /// SIGKILL and reap (idempotent; safe on every cleanup path).
    func kill9() {
        signal(SIGKILL)
        _ = waitForExit()
    }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(_ lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Runs blocking work (process waits) on a GCD thread, never on Swift's cooperative pool: tests run in parallel
/// and a blocked pool thread would stall the others.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// The outcome of a command run to completion.
struct CommandResult: Sendable, CustomStringConvertible {
    var status: Int32
    /// stdout and stderr, interleaved.
    var output: String
    var description: String { "exit \(status): \(output)" }
}

/// Runs a command to completion off the cooperative pool. Output goes through a temporary file, not a pipe, so a
/// daemon the command leaves running (`notary.sh up`) cannot hold the read open.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    try await offPool {
        let outputPath = NSTemporaryDirectory() + "vantage-sys-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try ChildProcess(name: executable, executable, arguments, logPath: outputPath, environment: environment)
        let status = child.waitForExit()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return CommandResult(status: status, output: String(decoding: data, as: UTF8.self))
    }
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
