import ArgumentParser

/// The CLI's documented exit codes (README, "Exit codes").
public enum ExitStatus {
    public static let ok = ExitCode(0)
    public static let error = ExitCode(1)
    public static let noConsensus = ExitCode(10)
    public static let disagreement = ExitCode(11)
    public static let verificationFailed = ExitCode(12)
    /// `status`: a critical alert is open and not acknowledged.
    public static let criticalAlert = ExitCode(13)
    public static let usage = ExitCode(64)
    /// An input file is missing or unreadable (a bundle document, the pin list file).
    public static let noInput = ExitCode(66)
    /// A destination cannot be written.
    public static let cannotCreate = ExitCode(73)
    /// A configuration file (the trust policy) does not parse or is unusable.
    public static let config = ExitCode(78)
}
