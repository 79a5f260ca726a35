import ArgumentParser
import VantageClient
import VantageCore
import VantageTUF

/// `install TARGET --for file --out PATH`: a `file` target's consensus bytes, verified and written as roots are.
extension PinsInstallCommand {
    /// One file's outcome (`--format json`: an array of one).
    struct FileReport: Encodable {
        var target: String
        var action: String
        var path: String
        var sha256: String
        /// The keys the installed bytes hold, fingerprinted as `gpg`, `ssh-keygen -lf` or `openssl` print them.
        var keys: [KeyFingerprint]
    }

    func installFile() async throws {
        let policy = try options.loadPolicy()
        let mode = try fileMode()
        let expectation = try expectation(for: targets[0], policy: policy)
        let path: String
        do {
            path = try InstallLayout(client: client, out: out).destination(target: expectation.target, gun: nil)
            if !dryRun { try PinInstaller.checkWritable(path) }
        } catch { throw Failure.report(error) }
        let installer = ContentInstaller(mode: mode)
        let plan: ContentInstallPlan
        do {
            var state = try PinState.load(options.state)
            plan = try await options.withRun(policy, blobDir: blobDir, installs: true) { run in
                let verified = try await options.verify([expectation], policy: policy, state: state, run: run).get()
                guard let pin = verified.pins.first else {
                    throw PinListVerifier.Failure(rule: PinListVerifier.Rule.noPin, target: expectation.target, "the pin list has no pin for this target")
                }
                // Every byte checked against the pin before anything is written.
                var plan = try installer.plan(pin, bytes: try await run.blob(for: pin), path: path).get()
                if !dryRun, let newer = try state.apply(verified, { try installer.apply([plan]) }) {
                    Output.diagnostic("not written: another run installed pin list v\(newer) of coordinator \(verified.coordinator) meanwhile")
                    plan.action = .unchanged
                }
                return plan
            }
        } catch { throw Failure.report(error) }
        let report = FileReport(target: plan.pin.target, action: (dryRun ? "would-" : "") + plan.action.rawValue, path: plan.path,
                                sha256: plan.pin.sha256, keys: plan.keys)
        try Output.emit([report], format: format) { reports in
            var table = TextTable(header: ["TARGET", "ACTION", "SHA256", "PATH"])
            for r in reports { table.rows.append([r.target, TerminalStyle.status(r.action), String(r.sha256.prefix(16)), r.path]) }
            // What people compare with `gpg --show-keys`, `ssh-keygen -lf`, or `sha256sum` when no key is recognised.
            let facts = report.keys.isEmpty
                ? ["sha256: \(report.sha256)"] : report.keys.map { "fingerprint: \($0.format.rawValue) \($0.algorithm) \($0.fingerprint)" }
            return table.rendered + facts.map { $0 + "\n" }.joined()
        }
    }
}
