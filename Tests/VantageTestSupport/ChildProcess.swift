import Foundation

/// A failure raised by a test harness itself (a timeout, a command that failed), with a message for the test log.
/// Children of tests talk to loopback and namespace addresses only: never through the host's proxy. An overlay
/// that unsets every proxy variable (empty is unset for curl and for Vantage).
public let withoutProxies = Dictionary(uniqueKeysWithValues: ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].map { ($0, "") })

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A bash prologue that changes to the directory in `$1` (when not empty), closes every descriptor above 2, then
/// execs the rest of its arguments: children (and daemons they leave behind, like notary-server) must not inherit
/// the pipes of other children started concurrently by other tests. The pid stays the program's own.
let closeInheritedDescriptors = #"if [ -n "$1" ]; then cd -- "$1" || exit 127; fi; shift; for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi; done; exec "$@""#

/// A child process started by a test with `posix_spawn`, reaped with `waitpid`. Every test target starts its
/// children through this: Foundation's `Process` can miss the exit of a child when many run at once, and then
/// `waitUntilExit()` spins forever on a thread of the cooperative pool (two threads on a 2-core machine), which
/// stalls every other test of the process. ``stop()`` kills it; tests call it on every path.
public final class ChildProcess: @unchecked Sendable {
    /// The environment of a child.
    public enum Environment: Sendable {
        /// The test process's environment with these entries set on top (an empty value unsets a variable).
        case inherited(overlay: [String: String])
        /// Exactly these variables.
        case exactly([String: String])
    }

    public let pid: pid_t
    /// Read end of the child's stdout (when not redirected to a file).
    public let stdoutFD: Int32
    /// Write end of the child's stdin; closing it tells `testserver.py --watch-stdin` to exit.
    public let stdinFD: Int32
    /// The file that takes both stdout and stderr, when one was given (``logTail(_:)``).
    public let outputPath: String?
    private let lock = NSLock()
    private var status: Int32?
    private var closed = false

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments` in `directory` (default: the
    /// test process's). stdout and stderr both go to `outputPath` when it is given; otherwise stdout goes to
    /// `stdoutPath` or a pipe (``firstLine()``), and stderr to `stderrPath` or /dev/null.
    public init(
        _ executable: String, _ arguments: [String], outputPath: String? = nil, stdoutPath: String? = nil,
        stderrPath: String? = nil, environment: Environment = .inherited(overlay: [:]), directory: String? = nil
    ) throws {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard pipe(&input) == 0 else { throw TestFailure("pipe failed") }
        guard pipe(&output) == 0 else {
            close(input[0])
            close(input[1])
            throw TestFailure("pipe failed")
        }
        // Not inherited by exec: a child started concurrently from another thread keeps none of them (and the bash
        // prologue closes whatever it might still get).
        for fd in input + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy, so the child keeps exactly fds 0–2.
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            if let stdoutPath {
                posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            } else {
                posix_spawn_file_actions_adddup2(&actions, output[1], 1)
            }
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        let program = executable.contains("/") ? executable : (Self.which(executable) ?? executable)
        let argv = ["/bin/bash", "-c", closeInheritedDescriptors, "bash", directory ?? "", program] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var variables: [String: String]
        switch environment {
        case .exactly(let exact):
            variables = exact
        case .inherited(let overlay):
            variables = ProcessInfo.processInfo.environment
            for (name, value) in overlay { variables[name] = value.isEmpty ? nil : value }
        }
        var cEnv: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in cEnv { free(entry) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/bash", &actions, nil, &cArgs, &cEnv)
        close(input[0])
        close(output[1])
        guard result == 0 else {
            close(input[1])
            close(output[0])
            throw TestFailure("posix_spawn \(executable) failed: \(result)")
        }
        pid = child
        self.outputPath = outputPath
        stdinFD = input[1]
        stdoutFD = output[0]
    }

    /// The absolute path of `name` on `PATH` (and the sbin folders), if any.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The first line the child writes on stdout (read off the cooperative pool).
    public func firstLine() async throws -> String {
        try await offPool { try self.firstLineBlocking() }
    }

    /// ``firstLine()`` on the calling thread: only for synchronous set-up code.
    public func firstLineBlocking() throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            guard read(stdoutFD, &byte, 1) == 1 else { throw TestFailure("child exited before writing a line") }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Blocks until the child has exited; its exit status (128 + signal when killed).
    public func waitForExit() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        let code = Self.exitCode(raw)
        status = code
        return code
    }

    /// Waits (off the cooperative pool) for the child to exit.
    public func wait() async -> Int32 {
        (try? await offPool { self.waitForExit() }) ?? -1
    }

    /// `true` while the child has not exited (never blocks).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            status = Self.exitCode(raw)
            return false
        }
        return result == 0
    }

    public func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if status == nil { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns the exit status. A cancelled (timed-out)
    /// test kills at once: its sleeps would return at once and turn the grace period into a busy wait.
    @discardableResult
    public func terminate(grace: Duration = .seconds(10)) async -> Int32 {
        if !Task.isCancelled {
            signal(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        }
        signal(SIGKILL)
        let status = await wait()
        closePipes()
        return status
    }

    /// The last `lines` lines of ``outputPath``, for failure messages.
    public func logTail(_ lines: Int = 15) -> String {
        let text = outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// SIGKILL, reap, close the pipes (once).
    public func stop() {
        signal(SIGKILL)
        _ = waitForExit()
        closePipes()
    }

    public func closePipes() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        close(stdinFD)
        close(stdoutFD)
    }

    static func exitCode(_ raw: Int32) -> Int32 { (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) }
}

/// Runs blocking work (process waits, pipe reads) on a thread of its own, never on Swift's cooperative pool: tests
/// run in parallel and a blocked pool thread would stall every other test.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// What a command run to completion printed.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// stdout then stderr.
    public var output: String { stdout + stderr }
    public var description: String { "exit \(status): \(output)" }
}

/// Runs a command to completion off the cooperative pool.
@discardableResult
public func runCommand(
    _ executable: String, _ arguments: [String], environment: ChildProcess.Environment = .inherited(overlay: [:]),
    directory: String? = nil
) async throws -> CommandResult {
    try await offPool { try runCommandBlocking(executable, arguments, environment: environment, directory: directory) }
}

/// Runs a command to completion, blocking the calling thread (stdin at end of file). Output goes through temporary
/// files, not pipes: a daemon the command leaves running (notary.sh up) would otherwise hold a pipe open.
public func runCommandBlocking(
    _ executable: String, _ arguments: [String], environment: ChildProcess.Environment = .inherited(overlay: [:]),
    directory: String? = nil
) throws -> CommandResult {
    let base = NSTemporaryDirectory() + "vantage-cmd-\(UUID().uuidString)"
    defer {
        unlink(base + ".out")
        unlink(base + ".err")
    }
    let child = try ChildProcess(
        executable, arguments, stdoutPath: base + ".out", stderrPath: base + ".err", environment: environment, directory: directory)
    child.closePipes()  // stdin at end of file at once; stdout is the file
    let status = child.waitForExit()
    let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let err = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return CommandResult(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}
