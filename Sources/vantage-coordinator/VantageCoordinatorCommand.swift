import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VantageCore
import VantageCoordinator
import VantageSupport

/// `vantage-coordinator`: parses arguments, then calls the library.
@main
struct VantageCoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage-coordinator",
        abstract: "Vantage coordinator: signed ingest, consensus, quorum-attested pin lists, alerts.",
        version: VantageRelease.version,
        subcommands: [Serve.self, Keygen.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the coordinator.")

    @Option(help: "JSON configuration file.") var config: String
    @Option(help: "Listen port (overrides listen.port).") var port: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info")
        guard let level else { throw ValidationError("unknown log level \(logLevel ?? "")") }
        JSONLogHandler.bootstrap(level: level)
        let logger = Logger(label: "vantage.coordinator")
        var flags: [String: String] = [:]
        if let port { flags["listen.port"] = String(port) }
        do {
            let configuration = try await ConfigurationLoader.load(file: config, flags: flags)
            let application = try await buildApplication(
                configuration: configuration,
                dependencies: .init(logger: logger, onServerRunning: { port in
                    logger.info("listening", metadata: ["listen.port": "\(port)"])
                }))
            try await runUntilSignalled(application, logger: logger)
        } catch let error as CoordinatorError {
            logger.critical("cannot start", metadata: ["error.code": "\(error.code)", "error": "\(error.reason)"])
            // EX_CONFIG (78) for a configuration or key the operator must fix, as the agent does: a restart cannot help
            // (the systemd unit's RestartPreventExitStatus=78).
            guard error.code == .configuration || error.code == .key else { throw ExitCode.failure }
            let kind = error.code == .key ? "key error" : "configuration error"
            FileHandle.standardError.write(Data("vantage-coordinator: \(kind): \(error.reason)\n".utf8))
            throw ExitCode(78)
        }
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the coordinator's Ed25519 signing key (mode 0600).")

    @Option(help: "Key file to create; never overwritten.") var out: String

    func run() throws {
        do {
            let publicKey = try VantageCoordinator.Keygen.create(at: out)
            print(KeygenReport.coordinator(publicKey), terminator: "")
        } catch let error as CoordinatorError {
            FileHandle.standardError.write(Data("vantage-coordinator: \(error.reason)\n".utf8))
            throw ExitCode.failure
        }
    }
}
