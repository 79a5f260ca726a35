import Foundation
import VantageTUF

// vantage-bench: performance figures beside baselines measured in the same run (see BENCHMARKS.md).
//   vantage-bench root [SECONDS]   root inspect+verify vs raw signature math vs python-tuf; canonical JSON
//   vantage-bench make-pins DIR N  a signed N-pin list, trust policy and blob for bench/pins-install.sh
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "root":
    let seconds = arguments.dropFirst().first.flatMap(Double.init) ?? 2
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: work) }
    try RootBenchmark(seconds: seconds, python: "python3", vectors: "Tests/VantageTUFTests/Fixtures", workDir: work).run()
case "make-pins":
    let directory = URL(fileURLWithPath: arguments.dropFirst().first ?? "pins-fixture")
    let count = arguments.dropFirst(2).first.flatMap(Int.init) ?? 10_000
    try PinListFixture(directory: directory, count: count).write()
case "inspect-loop":
    // For profilers (valgrind --tool=callgrind): inspect FILE N times.
    let path = arguments.dropFirst().first ?? ""
    let count = arguments.dropFirst(2).first.flatMap(Int.init) ?? 100
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    for _ in 0..<count { _ = RootInspector.inspect(try Root.parse(bytes), at: Date(timeIntervalSince1970: 1.8e9)) }
default:
    FileHandle.standardError.write(Data("usage: vantage-bench root [SECONDS] | make-pins DIR N | inspect-loop FILE N\n".utf8))
    exit(64)
}
