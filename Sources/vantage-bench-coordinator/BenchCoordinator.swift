import ArgumentParser

/// Coordinator benchmarks (run through bench/coordinator.sh, release build). Figures are printed; nothing here
/// asserts a wall-clock threshold. Without a mode option it runs the standard benchmarks (StandardBenchmark.swift).
@main
struct BenchCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage-bench-coordinator",
        abstract: "Coordinator benchmarks: figures are printed, nothing is asserted against a wall-clock threshold.",
        discussion: """
            Without a mode option: (1) the raw Ed25519 verification rate of observation signatures (one core); \
            (2) ingest of signed observations over HTTP on loopback, batches of 100, synchronous=FULL and NORMAL; \
            (3) database bytes after 1,000 targets x 10 agents x 100 unchanged vs changing polls, before and after \
            pruning idempotency ids; (4) a consensus round publishing a pin list for 10,000 targets x 10 agents, one \
            with nothing changed, the pure PinList.build time, and the sizes of the list and of one pin with its proof. \
            At most one mode option may be given.
            """
    )

    @Flag(help: "Smaller standard run (5,000 verifications, 10,000 ingested, 20 polls, 2,000 pins); 2,000 pins for --serve-pins.")
    var quick = false

    @Flag(help: "Standard run: skip (1)-(3), for profiling the consensus rounds and the list.")
    var pinListOnly = false

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Incremental consensus at scale, no HTTP: TARGETS (>= 1000) watched by AGENTS (>= 2).", valueName: "TARGETS AGENTS"))
    var scale: [Int] = []

    @Flag(help: "With --scale: a third each of TUF roots, image tags (oci) and key files (file), content following changes.")
    var mixed = false

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Database bytes over a simulated day (144 polls of 10 minutes) or TICKS polls.", valueName: "TARGETS AGENTS [TICKS]"))
    var day: [Int] = []

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Sustained HTTP ingest of RATE observations a second for SECONDS, consensus running.",
            valueName: "TARGETS AGENTS RATE SECONDS"))
    var sustain: [Int] = []

    @Option(help: ArgumentHelp(
        "Write the configuration, signed batches and junk bodies bench/coordinator-reliability.sh runs the real coordinator with.",
        valueName: "DIR"))
    var reliabilityFixtures: String?

    @Option(help: ArgumentHelp(
        "Serve a published list of 10,000 pins on 127.0.0.1 for bench/coordinator-http.sh, its bytes written to DIR, until DIR/stop exists (at most 30 minutes).",
        valueName: "DIR"))
    var servePins: String?

    func validate() throws {
        _ = try mode()
    }

    func run() async throws {
        switch try mode() {
        case .standard:
            try await StandardBenchmark.run(quick: quick, pinListOnly: pinListOnly)
        case .scale(let targets, let agents):
            try await ScaleBenchmark.run(targets: targets, agentCount: agents, mixed: mixed, logger: BenchServer.logger)
        case .day(let targets, let agents, let ticks):
            try await DayBenchmark.run(targets: targets, agentCount: agents, ticks: ticks, logger: BenchServer.logger)
        case .sustain(let targets, let agents, let rate, let seconds):
            try await SustainBenchmark.run(targets: targets, agentCount: agents, rate: rate, seconds: seconds)
        case .reliabilityFixtures(let directory):
            try ReliabilityFixtures.write(to: directory)
        case .servePins(let directory):
            try await ServePins.run(in: directory, targets: quick ? 2_000 : 10_000)
        }
    }
}
