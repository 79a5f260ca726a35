import Foundation

/// The demo's CI host: this very binary run as a separate process (`vantage pins …`, the commands `vantage-pins`
/// has), so what it prints is what a pipeline would read.
enum DemoCIHost {
    /// What the command printed and how it exited.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Longest a command may run before the demo stops it (it talks to a coordinator on loopback only).
    static let deadline: TimeInterval = 60

    /// Runs `vantage <arguments>` and waits for it, within ``deadline``; its output goes to files in `folder`
    /// (no pipe to drain: a blocking read would hold a thread the in-process servers need).
    static func run(_ arguments: [String], in folder: URL) async throws -> Run {
        guard let executable = Bundle.main.executableURL else { throw DemoFailure(message: "cannot find this program's own path") }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (outPath, errPath) = (folder.appendingPathComponent("stdout").path, folder.appendingPathComponent("stderr").path)
        for path in [outPath, errPath] { FileManager.default.createFile(atPath: path, contents: nil) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        guard let outFile = FileHandle(forWritingAtPath: outPath), let errFile = FileHandle(forWritingAtPath: errPath) else {
            throw DemoFailure(message: "cannot write the CI host's output in \(folder.path)")
        }
        defer {
            try? outFile.close()
            try? errFile.close()
        }
        process.standardOutput = outFile
        process.standardError = errFile
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(deadline))
            process.terminate()
        }
        var statuses = exited.stream.makeAsyncIterator()
        let status = await statuses.next() ?? -1
        watchdog.cancel()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Run(status: status, stdout: read(outPath), stderr: read(errPath))
    }
}
