import ArgumentParser
import VantageCore
import VantagePinsCLI

/// The CI host's verifier: `pins verify|install|bundle` and nothing else (no coordinator, no agent, no SQLite).
@main
struct VantagePins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage-pins",
        abstract: "Verify Vantage pin lists offline and install consensus-pinned TUF roots for notary, docker, python-tuf, sigstore and cosign.",
        discussion: """
            Exit codes: 0 ok, 1 error, 12 verification failed or refused, 64 usage, 66 missing input, \
            73 destination not writable, 78 unusable trust policy.
            """,
        version: VantageRelease.version,
        subcommands: PinsCommand.subcommands
    )
}
