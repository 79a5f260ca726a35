import ArgumentParser
import VantageCore
import VantagePinsCLI

@main
struct Vantage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage",
        abstract: "Multi-vantage consensus on TUF and Notary root keys.",
        discussion: """
            Exit codes: 0 ok, 1 error, 64 usage, 10 no consensus, 11 disagreement, 12 verification failed, 13 open \
            critical alert (status), 66 missing input, 73 cannot write, 78 configuration.
            """,
        version: VantageRelease.version,
        subcommands: [
            RootCommand.self, PinsCommand.self, PolicyCommand.self, StatusCommand.self, QueryCommand.self,
            HistoryCommand.self, AgentsCommand.self, EventsCommand.self, TargetsCommand.self, ApproveCommand.self, ApproverCommand.self,
            AlertsCommand.self, DemoCommand.self,
        ]
    )
}
