import ArgumentParser
import VantageCore

struct PinsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a pin list: coordinator signature, expiry, no rollback, hash chain, agent quorum per pin.",
        discussion: """
            With TARGETs and a coordinator, fetches only those pins with their inclusion proofs. Exit 0 when \
            verified, 12 with the failed rule (which pin, which agent) otherwise.
            """
    )

    @Argument(help: "Verify only these targets.")
    var targets: [String] = []

    @OptionGroup var options: PinsOptions

    @Option(help: "Output format: table, json or jsonl.")
    var format: OutputFormat = .table

    func run() async throws {
        let result: Result<VerifiedPins, PinListVerifier.Failure>
        do {
            result = try await PinsVerification(options: options).run(targets: targets.isEmpty ? nil : targets)
        } catch {
            throw Failure.report(error)
        }
        var report = VerdictReport(verified: false, pins: [])
        switch result {
        case .success(let verified):
            report.verified = true
            report.version = verified.header.signed.version
            report.issuedAt = verified.header.signed.issuedAt.description
            report.expires = verified.header.signed.expires.description
            report.pins = verified.pins.map {
                PinReport(target: $0.target, sha256: $0.sha256, version: $0.version, classification: $0.classification,
                          attestations: $0.attestations.count)
            }
        case .failure(let failure):
            report.failure = .init(rule: failure.rule, target: failure.target, agent: failure.agent, message: failure.message)
        }
        try Output.emit([report], format: format) { reports in
            let r = reports[0]
            guard r.verified else { return TerminalStyle.red("REFUSED") + " \(r.failure.map { "\($0.rule): \($0.message)" } ?? "")\n" }
            var table = TextTable(header: ["TARGET", "VERSION", "SHA256", "CLASS", "ATTESTATIONS"])
            for pin in r.pins {
                table.rows.append([pin.target, "\(pin.version)", String(pin.sha256.prefix(16)), pin.classification, "\(pin.attestations)"])
            }
            return "pin list v\(r.version ?? 0) issued \(r.issuedAt ?? "-") expires \(r.expires ?? "-"): "
                + TerminalStyle.green("verified") + "\n" + table.rendered
        }
        if case .failure(let failure) = result {
            if format == .table { Output.diagnostic("verification failed: \(failure)") }
            throw ExitStatus.verificationFailed
        }
    }
}
