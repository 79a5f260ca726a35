import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageTUF

struct RootVerifyChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-chain",
        abstract: "Verify a rotation chain of roots, the first one trusted (TUF specification §5.3).",
        discussion: "Exit 0 only if the first root meets its own threshold, every step passes and the final root is unexpired; else 12."
    )

    @Argument(help: "root.json files in version order; the first is the trusted starting point.")
    var files: [String]

    @OptionGroup var options: RootOptions

    struct Report: Encodable {
        var files: [String]
        var error: ErrorReport?
        var chain: ChainResult?

        func encode(to encoder: any Encoder) throws {
            enum Keys: String, CodingKey { case files, error, accepted }
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(files, forKey: .files)
            if let error {
                try c.encode(false, forKey: .accepted)
                try c.encode(error, forKey: .error)
            }
            try chain?.encode(to: encoder)
        }
    }

    func run() async throws {
        let now = try options.time()
        var roots: [Root] = []
        var report = Report(files: files)
        for path in files {
            switch try LoadedRoot.load(path).result {
            case .success(let root): roots.append(root)
            case .failure(let error):
                report.error = ErrorReport(TUFError(error.code, "\(path): \(error.reason)"))
            }
            if report.error != nil { break }
        }
        if report.error == nil { report.chain = RootChainVerifier.verify(roots, at: now) }
        try Output.emit(one: report, format: options.format) { r in
            if let error = r.error { return "error: \(error.code): \(error.reason)\n" }
            guard let chain = r.chain else { return "" }
            var text = ""
            if let start = chain.start {
                text += "start      v\(roots[0].version): \(start.count) of \(start.threshold) root keys signed: \(start.isMet ? "ok" : "NOT MET")\n"
            }
            for step in chain.steps {
                text += "v\(step.fromVersion) → v\(step.toVersion)  old keys \(step.trusted.count)/\(step.trusted.threshold)"
                    + "  new keys \(step.own.count)/\(step.own.threshold)  \(step.isAccepted ? "accepted" : "REJECTED")\n"
                for reason in step.reasons { text += "    \(reason)\n" }
            }
            if chain.isAccepted {
                text += "chain accepted: v\(chain.finalVersion ?? 0), expires \(chain.finalExpires.map(RFC3339.format) ?? "-")\n"
            } else {
                text += "chain REJECTED:\n" + chain.reasons.map { "  \($0)\n" }.joined()
            }
            return text
        }
        if !(report.chain?.isAccepted ?? false) { throw ExitStatus.verificationFailed }
    }
}
