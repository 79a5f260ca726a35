import ArgumentParser

/// The CLI's documented exit codes (README, "Exit codes").
enum ExitStatus {
    static let ok = ExitCode(0)
    static let error = ExitCode(1)
    static let noConsensus = ExitCode(10)
    static let disagreement = ExitCode(11)
    static let verificationFailed = ExitCode(12)
    static let usage = ExitCode(64)
}
