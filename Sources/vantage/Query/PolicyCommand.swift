import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageClient
import VantageCore
import VantageSupport

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Export the trust policy clients verify pin lists against.",
        subcommands: [PolicyExportCommand.self]
    )
}

struct PolicyExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Fetch the coordinator's trust policy for review and out-of-band distribution.",
        discussion: "Review the agents and keys before distributing the file (e.g. baking it into CI images)."
    )

    @OptionGroup var coordinator: CoordinatorOptions

    @Option(help: "Write to this file (0600) instead of stdout.")
    var out: String?

    @Option(help: "Set min_pin_list_version (default: the coordinator's current version).")
    var minVersion: Int64?

    func run() async throws {
        var policy: TrustPolicy
        do { policy = try await coordinator.withClient { try await $0.policy() } } catch { throw Failure.report(error) }
        if let minVersion { policy.minPinListVersion = minVersion }
        if let problem = policy.problem { Output.diagnostic("warning: exported policy is not usable as is: \(problem)") }
        let bytes = try Canonical.encode(policy, pretty: true) + [0x0A]
        if let out {
            try AtomicFile.write(bytes, to: out)
            Output.diagnostic("wrote \(out): \(policy.agents.count) agents, quorum \(policy.quorum), min_regions \(policy.minRegions)")
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}
