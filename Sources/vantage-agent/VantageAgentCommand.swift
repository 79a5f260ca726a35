import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Configuration
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals
import VantageAgent
import VantageCore
import VantageSupport

@main
struct VantageAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage-agent",
        abstract: "Fetch TUF and Notary roots over this host's network path and report signed observations.",
        version: VantageRelease.version,
        subcommands: [KeygenCommand.self, RunCommand.self]
    )
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Create the agent's Ed25519 key file (mode 0600; never overwrites).")

    @Option(help: "Path of the new key file.")
    var out: String

    @Option(help: "The agent id, for the enrolment line (agent.id of its configuration).")
    var id = "AGENT_ID"

    @Option(help: "The agent's region, for the enrolment line.")
    var region = "REGION"

    func run() throws {
        do {
            let identity = try AgentKeyFile.create(at: out)
            print(KeygenReport.agent(identity.publicKey, id: id, region: region), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("vantage-agent: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent (a daemon until SIGTERM, or one round with --once).",
        discussion: "Flags override VANTAGE_AGENT_* environment variables, which override the configuration file.")

    @Option(help: "The agent's JSON configuration file.")
    var config: String

    @Flag(help: "Probe every target once, deliver, print a summary and exit: 0 ok, 1 no coordinator took the round, 2 nothing accepted, 3 no targets.")
    var once = false

    @Option(name: .customLong("agent-id"), help: "Overrides agent.id.")
    var agentID: String?

    @Option(help: "Overrides agent.region.")
    var region: String?

    @Option(help: "Overrides agent.key.")
    var key: String?

    @Option(name: .customLong("spool-dir"), help: "Overrides spool.dir.")
    var spoolDir: String?

    @Option(name: .customLong("coordinator"), help: "Overrides coordinators (repeatable).")
    var coordinators: [String] = []

    @Option(help: "Overrides poll.concurrency.")
    var concurrency: Int?

    @Option(name: .customLong("log-level"), help: "Overrides log.level.")
    var logLevel: String?

    var overrides: AgentConfigurationLoader.Overrides {
        var values: AgentConfigurationLoader.Overrides = [:]
        values["agent.id"] = agentID.map(ConfigContent.string)
        values["agent.region"] = region.map(ConfigContent.string)
        values["agent.key"] = key.map(ConfigContent.string)
        values["spool.dir"] = spoolDir.map(ConfigContent.string)
        values["coordinators"] = coordinators.isEmpty ? nil : .stringArray(coordinators)
        values["poll.concurrency"] = concurrency.map(ConfigContent.int)
        values["log.level"] = logLevel.map(ConfigContent.string)
        return values
    }

    func run() async throws {
        limitMallocArenas()
        let configuration: AgentConfiguration
        do {
            configuration = try await AgentConfigurationLoader.load(
                file: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("vantage-agent: configuration error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let registry = PrometheusCollectorRegistry()
        let logger = Logger(label: "vantage-agent")
        let runtime: AgentRuntime
        do {
            runtime = try await AgentRuntime(configuration: configuration, logger: logger, registry: registry)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        if once {
            let summary = await runtime.service.runOnce()
            await runtime.shutdown()
            print(summary.text, terminator: "")
            if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
            return
        }
        var services: [any Service] = [runtime.service]
        if let listener = runtime.metricsListener { services.append(listener) }
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            logger.critical("agent failed", metadata: ["error": "\(error)"])
            await runtime.shutdown()
            throw ExitCode(1)
        }
        await runtime.shutdown()
    }
}

/// glibc gives every thread that contends for malloc its own arena (up to 8 per core), and memory freed into one
/// arena is not reused by another: with NIO event loops, the Swift concurrency pool and GRDB's queues all
/// allocating, the agent's resident set grew with the number of arenas rather than with its work. Two arenas
/// are plenty for a process that is I/O-bound on at most a few cores. An explicit `MALLOC_ARENA_MAX` in the
/// environment still wins (glibc reads it at start; this only applies when it is unset).
func limitMallocArenas() {
    #if canImport(Glibc)
    // mallopt(3) from <malloc.h>, which the Glibc module does not export; M_ARENA_MAX is -8.
    guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
        let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
    else { return }
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, 2)
    #endif
}
