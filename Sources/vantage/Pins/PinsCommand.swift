import ArgumentParser

struct PinsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pins",
        abstract: "Verify the pin list offline against a trust policy and install pinned roots.",
        subcommands: [PinsVerifyCommand.self, PinsInstallCommand.self]
    )
}

/// The JSON shape of a verification verdict (`--format json`).
struct VerdictReport: Encodable {
    var verified: Bool
    var version: Int64?
    var issuedAt: String?
    var expires: String?
    var failure: PinListVerifierFailureReport?
    var pins: [PinReport]

    enum CodingKeys: String, CodingKey {
        case verified, version, expires, failure, pins
        case issuedAt = "issued_at"
    }
}

struct PinListVerifierFailureReport: Encodable {
    var rule: String
    var target: String?
    var agent: String?
    var message: String
}

struct PinReport: Encodable {
    var target: String
    var sha256: String
    var version: Int
    var classification: String
    var attestations: Int
}
