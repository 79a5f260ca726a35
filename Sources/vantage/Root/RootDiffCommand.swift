import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageTUF

struct RootDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Classify the change between two roots: same, resigned, rotated or replaced.",
        discussion: "Exit 0 for same, resigned or rotated; 12 for replaced or unreadable roots."
    )

    @Argument(help: "The old (trusted) root.json.")
    var old: String

    @Argument(help: "The new root.json.")
    var new: String

    @Option(help: "Output format: table, json or jsonl.")
    var format: OutputFormat = .table

    struct Report: Encodable {
        var old: String
        var new: String
        var error: ErrorReport?
        var change: RootChange?
        var oldFingerprint: RootFingerprint?
        var newFingerprint: RootFingerprint?

        enum CodingKeys: String, CodingKey {
            case old, new, error, change
            case oldFingerprint = "old_fingerprint"
            case newFingerprint = "new_fingerprint"
        }
    }

    func run() async throws {
        var report = Report(old: old, new: new)
        switch (try LoadedRoot.load(old).result, try LoadedRoot.load(new).result) {
        case (.success(let a), .success(let b)):
            report.change = RootChangeClassifier.classify(from: a, to: b)
            report.oldFingerprint = RootFingerprint(a)
            report.newFingerprint = RootFingerprint(b)
        case (.failure(let error), _), (_, .failure(let error)):
            report.error = ErrorReport(error)
        }
        try Output.emit(one: report, format: format) { r in
            if let error = r.error { return "error: \(error.code): \(error.reason)\n" }
            guard let change = r.change, let a = r.oldFingerprint, let b = r.newFingerprint else { return "" }
            var text = "change     \(change.kind.rawValue)\n"
            text += "old        v\(a.version)  \(a.sha256)  root keys \(a.rootKeysDigest.prefix(16))\n"
            text += "new        v\(b.version)  \(b.sha256)  root keys \(b.rootKeysDigest.prefix(16))\n"
            for reason in change.reasons { text += "  \(reason)\n" }
            return text
        }
        if report.change == nil || report.change?.kind == .replaced { throw ExitStatus.verificationFailed }
    }
}
