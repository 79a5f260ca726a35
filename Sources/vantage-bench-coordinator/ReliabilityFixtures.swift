import Foundation
import VantageCoordinator
import VantageCore
import VantageTUF

/// `--reliability-fixtures DIR`: what bench/coordinator-reliability.py needs to run the real `vantage-coordinator`
/// under attack, written into DIR (the Python driver signs nothing):
/// - `coordinator.json` (state in DIR/state, key DIR/coordinator.key, three agents in three regions, five targets),
/// - `genuine/N.json`: batches of three fresh observations, one per agent, of the same root (the first carries the
///   root bytes), for the agent ingest timed beside the attack,
/// - `junk-10000.json`: 10,000 observations naming an enrolled agent under a signature that does not verify (about
///   3.7 MB, under `ingest.max_body_bytes`), `junk-1000.json`: the first 1,000 of them (at the batch limit).
enum ReliabilityFixtures {
    static let batches = 3_000
    static let targets = 5

    static func write(to directory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/genuine", withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        _ = try Keygen.create(at: directory + "/coordinator.key")
        let fixture = try BenchFixture(agents: ["a", "b", "c"].map { BenchAgent(id: "agent-\($0)", region: "region-\($0)") })
        let agents = fixture.agents
        let configuration: [String: Any] = [
            "listen": ["host": "127.0.0.1", "port": 8080],
            "state_dir": directory + "/state",
            "key_file": directory + "/coordinator.key",
            "agents": agents.map { "\($0.id) \($0.region) \($0.identity.publicKey.base64)" },
            "targets": (0..<targets).map { "bench/target-\($0) tuf \(benchSource("bench/target-\($0)").url)" },
            "consensus": ["quorum": 2, "min_regions": 2, "min_duration": ["first": 0, "resigned": 0, "rotated": 0, "replaced": 0]],
            "database": ["synchronous": "full"],
        ]
        try write("coordinator.json", Array(try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys])))

        let start = Timestamp(Date())
        for n in 0..<batches {
            let observations = try agents.enumerated().map { index, agent in
                var signed = try fixture.signedObservation(
                    agent, target: "bench/target-\(n % targets)", at: start, sequence: Int64(n * agents.count + index))
                if n == 0 { signed = try SignedObservation(signing: signed.observation, with: agent.identity, rootBytes: fixture.root) }
                return signed
            }
            try write("genuine/\(n).json", try Canonical.encode(ObservationBatch(observations: observations)))
        }

        var junk = try SignedObservation(
            signing: Observation(
                agent: agents[0].id, region: agents[0].region, target: "bench/target-0", source: benchSource("bench/target-0"),
                observedAt: start, sequence: 1, latencyMilliseconds: 40, error: ObservationError(.timeout, "junk")),
            with: agents[0].identity)
        junk.signature = ByteEncoding.base64Encode(Array(repeating: 7, count: 64))
        for count in [10_000, 1_000] {
            try write("junk-\(count).json", try Canonical.encode(ObservationBatch(observations: Array(repeating: junk, count: count))))
        }
    }
}
