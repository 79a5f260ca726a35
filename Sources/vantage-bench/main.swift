import Foundation

// vantage-bench: performance figures beside baselines measured in the same run (see BENCHMARKS.md).
//   vantage-bench root [SECONDS]   root inspect+verify vs raw signature math vs python-tuf; canonical JSON
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "root":
    let seconds = arguments.dropFirst().first.flatMap(Double.init) ?? 2
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: work) }
    try RootBenchmark(seconds: seconds, python: "python3", vectors: "Tests/VantageTUFTests/Fixtures", workDir: work).run()
default:
    FileHandle.standardError.write(Data("usage: vantage-bench root [SECONDS]\n".utf8))
    exit(64)
}
