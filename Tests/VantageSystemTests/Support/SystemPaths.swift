import Foundation
import VantageTestSupport

/// Paths inside the package and the built products.
enum Paths {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let notaryScript = packageRoot + "/scripts/testbed/notary.sh"
    static let netnsScript = packageRoot + "/scripts/testbed/netns.sh"
    static let webhookReceiver = packageRoot + "/Tests/Support/webhook_receiver.py"

    /// The folder holding the built executables: the one the test binary runs from, else `.build/debug`.
    static let products: String = {
        let names = ["vantage", "vantage-agent", "vantage-coordinator"]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if names.allSatisfy({ FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }) { return dir.path }
            dir.deleteLastPathComponent()
        }
        for configuration in ["debug", "release"] {
            let path = packageRoot + "/.build/\(configuration)"
            if names.allSatisfy({ FileManager.default.isExecutableFile(atPath: path + "/" + $0) }) { return path }
        }
        return packageRoot + "/.build/debug"
    }()

    static func executable(_ name: String) -> String { products + "/" + name }
}

/// A fresh scratch folder for one test. Removed by ``remove()`` when the test passed; kept (and named in the
/// failure) otherwise, with every process log in it.
struct Scratch: Sendable {
    let path: String

    init(_ label: String) throws {
        // Short paths: notary and SQLite paths end up in configs and sockets.
        path = "/tmp/vst-\(label)-\(UUID().uuidString.prefix(6).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Creates `name` (and parents) and returns its path.
    func directory(_ name: String) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    func write(_ text: String, to name: String) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Polls `condition` every `every` until it returns a value (at most `seconds`); bounded, never a performance
/// assertion. Throws a ``TestFailure`` naming `what` on timeout.
@discardableResult
func waitFor<T>(
    _ what: String, seconds: Double = 30, every: Duration = .milliseconds(200), _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await condition() { return value }
        } catch {
            lastError = error
        }
        if ContinuousClock.now >= deadline { break }
        try await Task.sleep(for: every)
    }
    throw TestFailure("timed out after \(seconds) s waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
}

/// ``waitFor(_:seconds:every:_:)`` for a boolean condition.
func waitUntil(_ what: String, seconds: Double = 30, every: Duration = .milliseconds(200), _ condition: () async throws -> Bool) async throws {
    try await waitFor(what, seconds: seconds, every: every) { try await condition() ? true : nil }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw TestFailure("bind failed") }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
