import Foundation

/// A fresh scratch folder for one test, removed by ``remove()``. A test that fails may keep it (and name it in the
/// failure) with every process log in it.
public struct Scratch: Sendable {
    public let path: String

    /// `/tmp/<label>-<random>`: short, because paths end up in configuration files, SQLite paths and sockets.
    public init(_ label: String = "vantage-test") throws {
        path = "/tmp/\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// ``path`` as a file URL, for code that builds paths with `appendingPathComponent`.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Creates `name` (and parents) and returns its path.
    public func directory(_ name: String) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    /// Writes `bytes` to `name` (creating parents) and returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes `text` (UTF-8) to `name` (creating parents) and returns its path.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
