import Foundation

/// Paths inside the package and of the built executables, for every test target.
public enum PackagePaths {
    /// The package root (this file is Tests/VantageTestSupport/PackagePaths.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `relative` below the package root.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// A helper script of Tests/Support (test servers, proxies, receivers).
    public static func support(_ name: String) -> String { path("Tests/Support/" + name) }

    /// The Notary testbed (scripts/testbed/notary.sh: certificates, notary-server up/down, publish, rotate).
    public static let notaryScript = path("scripts/testbed/notary.sh")

    /// The folder holding the built executables: the one the test binary runs from (`swift test` may run it inside a
    /// bundle folder below it), else `.build/debug` or `.build/release`.
    public static let products: String = {
        let names = ["vantage", "vantage-pins", "vantage-agent", "vantage-coordinator"]
        func holdsAll(_ dir: String) -> Bool { names.allSatisfy { FileManager.default.isExecutableFile(atPath: dir + "/" + $0) } }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if holdsAll(dir.path) { return dir.path }
            dir.deleteLastPathComponent()
        }
        return ["debug", "release"].map { root + "/.build/\($0)" }.first(where: holdsAll) ?? root + "/.build/debug"
    }()

    /// The built executable `name` (`swift build --build-tests` makes them all).
    public static func executable(_ name: String) -> String { products + "/" + name }
}
