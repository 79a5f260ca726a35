import Foundation

/// A bash prologue that closes every descriptor above 2, then runs `"$@"`.
///
/// Foundation's `Process` does not close descriptors the test process holds, so children (and daemons they
/// leave behind, like notary-server) would inherit other children's pipes and Foundation's per-process
/// termination sockets, and a wait for one child could hang until an unrelated one exits.
let closeInheritedDescriptors = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null; exec "$@""#

/// A child process started by a test; ``stop()`` kills it (tests call it in `defer`).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stdin = Pipe()
    let stderrPath: String?

    /// Starts `executable` with `arguments`; stderr goes to `stderrPath` (or is discarded).
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stderrPath: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", closeInheritedDescriptors, "bash", executable] + arguments
        if let environment { process.environment = environment }
        process.standardOutput = stdout
        process.standardInput = stdin
        self.stderrPath = stderrPath
        if let stderrPath {
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    /// The first line the child writes on stdout (read off the cooperative pool).
    func firstLine() async throws -> String {
        try await offPool { try self.firstLineBlocking() }
    }

    func firstLineBlocking() throws -> String {
        var bytes: [UInt8] = []
        let handle = stdout.fileHandleForReading
        while true {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first else { throw TestFailure("child exited before writing a line") }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits (off the cooperative pool) for the child to exit and returns its status.
    func wait() async -> Int32 {
        let process = process
        return (try? await offPool {
            process.waitUntilExit()
            return process.terminationStatus
        }) ?? -1
    }

    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// SIGKILL and reap.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? stdin.fileHandleForWriting.close()
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
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
    try await offPool { try runCommandBlocking(executable, arguments, environment: environment) }
}

/// Runs a command to completion, blocking the calling thread. Output goes through a temporary file, not a
/// pipe: a daemon the command leaves running (notary.sh up) may inherit the descriptor and would hold a pipe open.
func runCommandBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let outputPath = NSTemporaryDirectory() + "vantage-cmd-\(UUID().uuidString).out"
    FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    guard let output = FileHandle(forWritingAtPath: outputPath) else { throw TestFailure("cannot create \(outputPath)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", closeInheritedDescriptors, "bash", executable] + arguments
    if let environment { process.environment = environment }
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try? output.close()
    let data = FileManager.default.contents(atPath: outputPath) ?? Data()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
