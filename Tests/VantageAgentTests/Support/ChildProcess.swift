import Foundation

/// A bash prologue that closes every descriptor above 2, then runs `"$@"`: children (and daemons they leave
/// behind, like notary-server) must not inherit the pipes of other children started concurrently by other tests.
let closeInheritedDescriptors = #"for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi; done; exec "$@""#

/// A child process started by a test with `posix_spawn`, reaped with `waitpid`. (Foundation's `Process` waits
/// either spin at full CPU off the main thread or can miss the exit of a child when many run at once.)
/// ``stop()`` kills it; tests call it on every path.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    /// Read end of the child's stdout (when not redirected to a file).
    let stdoutFD: Int32
    /// Write end of the child's stdin; closing it tells `testserver.py --watch-stdin` to exit.
    let stdinFD: Int32
    let lock = NSLock()
    var status: Int32?
    var closed = false

    /// Starts `executable` with `arguments`. stdout goes to a pipe (``firstLine()``) unless `outputPath` is given,
    /// in which case stdout and stderr go to that file; otherwise stderr goes to `stderrPath` or /dev/null.
    /// `environment` entries are set on top of the test process's environment (an empty value unsets a variable).
    init(
        _ executable: String, _ arguments: [String], outputPath: String? = nil, stderrPath: String? = nil,
        environment: [String: String] = [:]
    ) throws {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw TestFailure("pipe failed") }
        _ = fcntl(input[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, output[1], 1)
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        let argv = ["/bin/bash", "-c", closeInheritedDescriptors, "bash", executable] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var child: pid_t = 0
        let result: Int32
        if environment.isEmpty {
            result = posix_spawn(&child, "/bin/bash", &actions, nil, &cArgs, environ)
        } else {
            var merged = ProcessInfo.processInfo.environment
            for (name, value) in environment { merged[name] = value.isEmpty ? nil : value }
            var cEnv: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for entry in cEnv { free(entry) } }
            result = posix_spawn(&child, "/bin/bash", &actions, nil, &cArgs, &cEnv)
        }
        close(input[0])
        close(output[1])
        guard result == 0 else {
            close(input[1])
            close(output[0])
            throw TestFailure("posix_spawn \(executable) failed: \(result)")
        }
        pid = child
        stdinFD = input[1]
        stdoutFD = output[0]
    }

    /// The first line the child writes on stdout (read off the cooperative pool).
    func firstLine() async throws -> String {
        try await offPool {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                guard read(self.stdoutFD, &byte, 1) == 1 else { throw TestFailure("child exited before writing a line") }
                if byte == UInt8(ascii: "\n") { break }
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Blocks until the child has exited; its exit status (128 + signal when killed).
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

    /// Waits (off the cooperative pool) for the child to exit.
    func wait() async -> Int32 {
        (try? await offPool { self.waitForExit() }) ?? -1
    }

    func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if status == nil { kill(pid, signal) }
    }

    /// SIGKILL, reap, close the pipes (once).
    func stop() {
        signal(SIGKILL)
        _ = waitForExit()
        closePipes()
    }

    func closePipes() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        close(stdinFD)
        close(stdoutFD)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking work (process waits, pipe reads) on a GCD thread, never on Swift's cooperative pool: tests
/// run in parallel and a blocked pool thread would stall every other test.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// Runs a command to completion off the cooperative pool.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await offPool { try runCommandBlocking(executable, arguments) }
}

/// Runs a command to completion, blocking the calling thread. Output goes through a temporary file, not a pipe:
/// a daemon the command leaves running (notary.sh up) would otherwise hold the pipe open.
func runCommandBlocking(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let outputPath = NSTemporaryDirectory() + "vantage-cmd-\(UUID().uuidString).out"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let child = try ChildProcess(executable, arguments, outputPath: outputPath)
    let status = child.waitForExit()
    child.closePipes()
    let data = FileManager.default.contents(atPath: outputPath) ?? Data()
    return (status, String(decoding: data, as: UTF8.self))
}
