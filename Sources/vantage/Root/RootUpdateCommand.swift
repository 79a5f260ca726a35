import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageAgent
import VantageClient
import VantageCore
import VantageSupport
import VantageTUF

struct RootUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Fetch and verify every newer root over this host's network path, as the agent does.",
        discussion: """
            Starting from --trusted, walks a TUF repository's N.root.json files until 404, or a Notary server's \
            root.json through its N.root.json files, verifying each rotation step (TUF specification §5.3). The \
            newest verified root's exact bytes are written atomically to --out (default: --trusted) after every \
            verified step, so a rejected step leaves the last good root in place.
            Exit 0 when the result is verified and unexpired; 12 when a step is rejected or the final root is \
            expired; 1 on network or input errors.
            """
    )

    @Option(help: "The trusted root.json to start from (must meet its own threshold).")
    var trusted: String

    @Option(help: "TUF metadata base URL (walks {BASE}/N.root.json).")
    var tuf: String?

    @Option(help: "Notary server URL (needs --gun).")
    var notary: String?

    @Option(help: "Notary GUN, e.g. docker.io/library/debian.")
    var gun: String?

    @Option(help: "Where to write the newest verified root (default: replace --trusted).")
    var out: String?

    @Option(name: .customLong("ca-bundle"), help: "PEM file of extra trusted CA certificates.")
    var caBundle: String?

    @OptionGroup var options: RootOptions

    func validate() throws {
        switch (tuf, notary) {
        case (nil, nil), (.some, .some): throw ValidationError("give exactly one of --tuf and --notary")
        case (nil, .some): if gun == nil { throw ValidationError("--notary needs --gun") }
        case (.some, nil): if gun != nil { throw ValidationError("--gun applies to --notary only") }
        }
    }

    var spec: TargetSpec {
        if let notary { return TargetSpec(id: gun ?? "notary", kind: .notary, url: notary, gun: gun) }
        return TargetSpec(id: "tuf", kind: .tuf, url: tuf ?? "")
    }

    func run() async throws {
        let now = try options.time()
        let spec = spec
        if let problem = spec.problem {
            Output.diagnostic(problem)
            throw ExitStatus.error
        }
        let start: Root
        do {
            start = try TrustedRootFile.load(trusted, kind: spec.kind)
        } catch {
            Output.diagnostic("\(error)")
            throw ExitStatus.error
        }
        let destination = out ?? trusted
        let environment = ProcessInfo.processInfo.environment
        let limits = FetchLimits()
        let getter: AHCHTTPGetter
        do {
            // The host's proxy and CA variables, as curl reads them; --ca-bundle first.
            getter = try AHCHTTPGetter(
                limits: limits, network: try HostNetwork(environment: environment, caBundle: caBundle),
                destinations: .unrestricted)  // the operator typed the URL; agents pass their network.* policy
        } catch {
            Output.diagnostic("\(error)")
            throw ExitStatus.error
        }
        var written: [Int] = []
        do {
            if destination != trusted { try AtomicFile.write(start.bytes, to: destination) }
        } catch {
            await getter.shutdown()
            Output.diagnostic("\(error)")
            throw ExitStatus.error
        }
        let source = TargetProber(http: getter, limits: limits).source(for: spec)
        let update = await RootUpdater.run(kind: spec.kind, trusted: start, source: source, maxSteps: limits.maxRotations, at: now) { root in
            try AtomicFile.write(root.bytes, to: destination)
            written.append(root.version)
        }
        await getter.shutdown()

        let report = UpdateReport(start: start, update: update, out: destination, written: written)
        try Output.emit(one: report, format: options.format) { $0.table }
        switch update.error?.kind {
        case nil: return
        case .malformed?, .badSignature?, .chainRejected?, .expired?: throw ExitStatus.verificationFailed
        default: throw ExitStatus.error
        }
    }
}

/// `vantage root update`'s result, for `--format json` and the table.
struct UpdateReport: Encodable {
    var trustedVersion: Int
    var finalVersion: Int?
    var finalSHA256: String?
    var finalExpires: String?
    var newestVerifiedVersion: Int?
    var out: String
    var writtenVersions: [Int]
    var steps: [ChainStepResult]
    var error: ObservationError?
    var verified: Bool { error == nil }

    init(start: Root, update: RootUpdate, out: String, written: [Int]) {
        trustedVersion = start.version
        finalVersion = update.final?.version
        finalSHA256 = update.final?.sha256
        finalExpires = update.final.map { RFC3339.format($0.expires) }
        newestVerifiedVersion = update.trusted?.version
        self.out = out
        writtenVersions = written
        steps = update.steps
        error = update.error
    }

    enum CodingKeys: String, CodingKey {
        case trustedVersion = "trusted_version"
        case finalVersion = "final_version"
        case finalSHA256 = "final_sha256"
        case finalExpires = "final_expires"
        case newestVerifiedVersion = "newest_verified_version"
        case out, steps, error, verified
        case writtenVersions = "written_versions"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trustedVersion, forKey: .trustedVersion)
        try c.encodeIfPresent(finalVersion, forKey: .finalVersion)
        try c.encodeIfPresent(finalSHA256, forKey: .finalSHA256)
        try c.encodeIfPresent(finalExpires, forKey: .finalExpires)
        try c.encodeIfPresent(newestVerifiedVersion, forKey: .newestVerifiedVersion)
        try c.encode(out, forKey: .out)
        try c.encode(writtenVersions, forKey: .writtenVersions)
        try c.encode(steps, forKey: .steps)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encode(verified, forKey: .verified)
    }

    var table: String {
        var text = "trusted    v\(trustedVersion)\n"
        for step in steps {
            text += "v\(step.fromVersion) → v\(step.toVersion)  old keys \(step.trusted.count)/\(step.trusted.threshold)"
                + "  new keys \(step.own.count)/\(step.own.threshold)  \(step.isAccepted ? "accepted" : "REJECTED")\n"
            for reason in step.reasons { text += "    \(reason)\n" }
        }
        if let error {
            text += "FAILED (\(error.kind.rawValue)): \(error.message)\n"
        }
        if let finalVersion, error == nil {
            text += "verified   v\(finalVersion) sha256 \(finalSHA256 ?? "-") expires \(finalExpires ?? "-")\n"
        }
        text += "written    \(out): v\(newestVerifiedVersion ?? trustedVersion)\n"
        return text
    }
}
