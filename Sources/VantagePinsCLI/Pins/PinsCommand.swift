import ArgumentParser
import VantageCore

/// `pins verify|install|bundle`, shared by `vantage pins` and the CI verifier `vantage-pins`.
public struct PinsCommand: AsyncParsableCommand {
    public init() {}

    public static let subcommands: [any ParsableCommand.Type] = [
        PinsVerifyCommand.self, PinsInstallCommand.self, PinsBundleCommand.self, PinsResolveCommand.self, PinsPinCommand.self,
    ]

    public static let configuration = CommandConfiguration(
        commandName: "pins",
        abstract: "Verify the pin list offline against a trust policy, install pinned roots and key files, and resolve images to pinned digests.",
        subcommands: subcommands
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

/// What `pins verify` shows of a pin: only what the agents' and approvers' signatures vouch for.
struct PinReport: Encodable {
    var target: String
    var source: String
    var sha256: String
    /// Attestations by verdict, e.g. `same: 3, rotated: 1`.
    var continuity: [String: Int]
    var attestations: Int
    var approvals: Int

    init(_ pin: Pin) {
        target = pin.target
        source = pin.source.description
        sha256 = pin.sha256
        continuity = Dictionary(pin.attestations.map { ($0.continuity.rawValue, 1) }, uniquingKeysWith: +)
        attestations = pin.attestations.count
        approvals = pin.approvals.count
    }
}

