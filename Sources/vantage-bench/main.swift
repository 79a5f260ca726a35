import Foundation
import VantageCore
import VantageTUF

// vantage-bench: performance figures beside baselines measured in the same run (see BENCHMARKS.md).
//   vantage-bench root [SECONDS]   root inspect+verify vs raw signature math vs python-tuf; canonical JSON
//   vantage-bench make-pins DIR N  a signed N-pin list, trust policy and blob for bench/verifier.sh
//   vantage-bench make-pins DIR N --oci IMAGE SHA256  N image-tag pins, the first IMAGE's (bench/pins-resolve.sh)
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
    var fixture = PinListFixture(directory: directory, count: count)
    let oci = Array(arguments.dropFirst(3))
    if !oci.isEmpty {
        guard oci.count == 3, oci[0] == "--oci", oci[2].count == 64, let reference = try? ImageReference(parsing: oci[1]) else {
            FileHandle.standardError.write(Data("usage: vantage-bench make-pins DIR N [--oci IMAGE SHA256]\n".utf8))
            exit(64)
        }
        fixture.image = (reference, oci[2])
    }
    try fixture.write()
case "inspect-loop":
    // For profilers (valgrind --tool=callgrind): inspect FILE N times.
    let path = arguments.dropFirst().first ?? ""
    let count = arguments.dropFirst(2).first.flatMap(Int.init) ?? 100
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    for _ in 0..<count { _ = RootInspector.inspect(try Root.parse(bytes), at: Date(timeIntervalSince1970: 1.8e9)) }
default:
    FileHandle.standardError.write(Data("usage: vantage-bench root [SECONDS] | make-pins DIR N [--oci IMAGE SHA256] | inspect-loop FILE N\n".utf8))
    exit(64)
}
