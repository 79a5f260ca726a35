import Foundation
import VantageCoordinator
import VantageCore

/// `--serve-pins DIR` (for bench/coordinator-http.sh): starts a coordinator on 127.0.0.1 with a published list of
/// TARGETS pins (10,000; 2,000 with --quick) set up as in the standard benchmark's (4), writes the exact bytes of
/// `GET /v1/pins` and of one `GET /v1/pins/latest/targets/{id}` response into DIR, then `DIR/ready`, and serves until
/// `DIR/stop` exists (at most 30 minutes), with its static mirror in DIR/mirror and the mirror paths a CI host reads
/// for that pin in DIR/mirror-paths. The script drives wrk against it beside nginx serving the same bytes and mirror.
enum ServePins {
    static func run(in directory: String, targets: Int) async throws {
        let fixture = try BenchFixture(agents: BenchAgent.fleet(10))
        var configuration = try BenchServer.configuration(agents: fixture.agents, targets: targets, synchronousFull: true)
        configuration.mirrorDirectory = directory + "/mirror"
        precondition(configuration.listenHost == "127.0.0.1", "the benchmark serves on 127.0.0.1 only")
        try await BenchServer.run(configuration) { coordinator, port in
            try await fixture.commitAgreement(coordinator, targets: targets)
            // Rounds until one publishes nothing and leaves nothing, so no publication is left to change the list, and
            // its ETag, under wrk. The service's own start-up rounds run between these: the version is the served one.
            while true {
                let report = try await coordinator.consensus.evaluateNow()
                if report.publishedVersion == nil && !report.more { break }
            }
            try await writeServed(into: directory, targets: targets, port: port)
            let deadline = ContinuousClock.now + .seconds(1800)
            while !FileManager.default.fileExists(atPath: directory + "/stop"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The served list, one pin's proof and its path, the mirror paths for that pin, the port, then `ready`.
    private static func writeServed(into directory: String, targets: Int, port: Int) async throws {
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        let list = try await BenchServer.get(APIPath.pins, port: port)
        let served = try Canonical.decode(PinList.self, from: list)
        guard served.pins.count == targets else { fatalError("\(served.pins.count) of \(targets) targets pinned") }
        let version = served.header.signed.version
        let proofPath = "\(APIPath.pins)/latest/targets/\(APIPath.segment("bench/target-\(targets / 2)"))"
        let proof = try await BenchServer.get(proofPath, port: port)
        try write("pins.json", list)
        try write("proof.json", proof)
        try write("proof-path", Array(proofPath.utf8))
        // What a CI host reads from the static mirror for the same pin: the header, the index, the one bundle.
        let index = try Canonical.decode(
            PinListMirror.Index.self, from: try Data(contentsOf: URL(fileURLWithPath: "\(directory)/mirror/lists/\(version).json")))
        guard let bundle = PinListMirror.bundle(for: "bench/target-\(targets / 2)", in: index) else { fatalError("no mirror bundle") }
        try write("mirror-paths", Array("latest.json lists/\(version).json bundles/\(index.bundles[bundle].root).json".utf8))
        try write("port", Array(String(port).utf8))
        try write("ready", Array("pin list v\(version), \(targets) pins\n".utf8))
    }
}
