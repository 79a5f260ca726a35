import Foundation

/// A fresh temporary directory, removed by ``remove()``.
struct Scratch {
    let path: String

    init(_ label: String = "vantage-agent-tests") throws {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ bytes: [UInt8], to name: String) throws {
        let full = file(name)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Paths inside the package.
enum PackagePaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let testServer = root + "/Tests/Support/testserver.py"
    static let connectProxy = root + "/Tests/Support/connect_proxy.py"
    static let notaryScript = root + "/scripts/testbed/notary.sh"
    /// The built executable `name` (debug build, as `swift build --build-tests` leaves it).
    static func executable(_ name: String) -> String {
        for configuration in ["debug", "release"] {
            let path = root + "/.build/\(configuration)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root + "/.build/debug/\(name)"
    }
}
