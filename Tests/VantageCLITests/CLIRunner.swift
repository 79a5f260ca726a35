import Foundation

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

    /// Runs any executable and returns its exit status and output. The wait runs on a thread of its own: a test
    /// waiting for a child must never block the cooperative pool (two threads here) that an in-process coordinator
    /// of the same test needs to answer that child.
    static func exec(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try execBlocking(path, arguments, environment: environment) })
            }
        }
    }

    /// ``exec(_:_:environment:)`` waiting on the caller's thread: only for clean-up in a `defer`, where nothing can
    /// be awaited and no in-process server of the test still needs the pool.
    ///
    /// `posix_spawn` + `waitpid` rather than Foundation's `Process`, whose exit monitoring can miss a child that
    /// leaves a daemon behind; output goes through files, since such a daemon would hold a pipe open.
    static func execBlocking(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let base = NSTemporaryDirectory() + "vantage-cli-\(UUID().uuidString)"
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, &argv, &envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let out = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let err = FileManager.default.contents(atPath: base + ".err") ?? Data()
        return Result(status: exit, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
