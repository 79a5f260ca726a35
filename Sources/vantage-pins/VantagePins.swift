import ArgumentParser
import VantageCore
import VantagePinsCLI

/// The CI host's verifier: `pins verify|install|bundle|resolve|pin` and nothing else (no coordinator, no agent, no SQLite).
@main
struct VantagePins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage-pins",
        abstract: "Verify Vantage pin lists offline, install consensus-pinned TUF roots (notary, docker, python-tuf, sigstore, cosign) and key files, and pin images to consensus digests.",
        discussion: """
            Exit codes: 0 ok, 1 error, 12 verification failed or refused, 64 usage, 66 missing input, \
            73 destination not writable, 78 unusable trust policy.
            """,
        version: VantageRelease.version,
        subcommands: PinsCommand.subcommands
    )
}
