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
        discussion: """
            Review the agents and keys before distributing the file (e.g. baking it into CI images). The file names \
            the coordinator's URL (coordinators[].url), so `vantage-pins` needs no --coordinator: pass --url when \
            clients reach the coordinator at another address than this command did.
            """
    )

    @OptionGroup var coordinator: CoordinatorOptions

    @Option(help: "Write to this file (0600) instead of stdout.")
    var out: String?

    @Option(help: "Set min_pin_list_version (default: the coordinator's current version).")
    var minVersion: Int64?

    @Option(help: "The coordinator URL clients fetch from, written as coordinators[].url (default: the URL this command used).")
    var url: String?

    func validate() throws {
        if let url, RepositorySource.normalise(url) == nil { throw ValidationError("--url \(url) is not http(s)://host[:port][/path]") }
    }

    func run() async throws {
        var policy: TrustPolicy
        let used: String
        do { (policy, used) = try await coordinator.withClient { (try await $0.policy(), $0.baseURL) } } catch { throw Failure.report(error) }
        if let minVersion { policy.minPinListVersion = minVersion }
        // The coordinator serves its own entry without a URL: it cannot know the address its clients use.
        for index in policy.coordinators.indices where policy.coordinators[index].url == nil { policy.coordinators[index].url = url ?? used }
        if let problem = policy.problem { Output.diagnostic("warning: exported policy is not usable as is: \(problem)") }
        let bytes = try Canonical.encode(policy, pretty: true) + [0x0A]
        if let out {
            try AtomicFile.write(bytes, to: out)
            Output.diagnostic(
                "wrote \(out): \(policy.agents.count) agents, quorum \(policy.quorum), min_regions \(policy.minRegions), coordinator \(url ?? used)")
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}
