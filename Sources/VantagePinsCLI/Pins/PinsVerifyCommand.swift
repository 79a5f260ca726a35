import ArgumentParser
import VantageClient
import VantageCore

public struct PinsVerifyCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a pin list: coordinator signature and identity, age, no rollback, hash chain, agent quorum per pin.",
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

    public func run() async throws {
        let policy = try options.loadPolicy()
        let result: Result<VerifiedPins, PinListVerifier.Failure>
        var state: PinState
        do {
            state = try PinState.load(options.state)
            let expectations = targets.isEmpty ? nil : targets.map { options.expectation(for: $0) }
            result = try await options.withRun(policy, installs: false) { run in
                try await options.verify(expectations, policy: policy, state: state, run: run)
            }
        } catch {
            throw Failure.report(error)
        }
        var report = VerdictReport(verified: false, pins: [])
        switch result {
        case .success(let verified):
            do { try state.record(verified) } catch { throw Failure.report(error) }
            report.verified = true
            report.version = verified.header.signed.version
            report.issuedAt = verified.header.signed.issuedAt.description
            report.expires = verified.header.signed.expires.description
            report.pins = verified.pins.map(PinReport.init)
        case .failure(let failure):
            report.failure = .init(rule: failure.rule, target: failure.target, agent: failure.agent, message: failure.message)
        }
        try Output.emit(one: report, format: format) { r in
            guard r.verified else { return TerminalStyle.red("REFUSED") + " \(r.failure.map { "\($0.rule): \($0.message)" } ?? "")\n" }
            var table = TextTable(header: ["TARGET", "SHA256", "VERDICTS", "APPROVALS", "SOURCE"])
            for pin in r.pins {
                let verdicts = pin.continuity.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                table.rows.append([pin.target, String(pin.sha256.prefix(16)), verdicts, "\(pin.approvals)", pin.source])
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
