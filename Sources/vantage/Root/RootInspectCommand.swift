import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageTUF

struct RootInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Parse, fingerprint and self-verify root.json files.",
        discussion: """
            Exit 0 when every file parses and meets its own root threshold (and, with --gun, Notary's \
            certificate rules), 12 otherwise, 1 when a file cannot be read.
            """
    )

    @Argument(help: "root.json files (Notary or TUF dialect).")
    var files: [String]

    @Option(help: "Notary GUN: apply the CN == GUN and certificate validity rules.")
    var gun: String?

    @OptionGroup var options: RootOptions

    struct Report: Encodable {
        var file: String
        var error: ErrorReport?
        var inspection: RootInspection?

        func encode(to encoder: any Encoder) throws {
            enum Keys: String, CodingKey { case file, error, valid }
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(file, forKey: .file)
            if let error {
                try c.encode(false, forKey: .valid)
                try c.encode(error, forKey: .error)
            }
            try inspection?.encode(to: encoder)
        }
    }

    func run() async throws {
        let now = try options.time()
        let reports = try files.map { path -> Report in
            switch try LoadedRoot.load(path).result {
            case .success(let root): return Report(file: path, inspection: RootInspector.inspect(root, gun: gun, at: now))
            case .failure(let error): return Report(file: path, error: ErrorReport(error))
            }
        }
        try Output.emit(reports, format: options.format, render: Self.render)
        if reports.contains(where: { !($0.inspection?.isValid ?? false) }) { throw ExitStatus.verificationFailed }
    }

    static func render(_ reports: [Report]) -> String {
        var text = ""
        for report in reports {
            text += "\(report.file)\n"
            guard let i = report.inspection else {
                text += "  error      \(report.error?.code ?? "")  \(report.error?.reason ?? "")\n\n"
                continue
            }
            let f = i.fingerprint
            text += "  dialect    \(i.dialect.rawValue)  version \(f.version)  expires \(i.expiresText)\(i.expired ? " (expired)" : "")\n"
            text += "  sha256     \(f.sha256)\n  canonical  \(f.canonicalSHA256)\n  root keys  \(f.rootKeysDigest)\n"
            text += "  threshold  \(i.rootSignatures.count) of \(i.rootSignatures.threshold) distinct root keys signed: \(i.rootSignatures.isMet ? "met" : "NOT MET")\n"
            if let notary = i.notary {
                text += "  gun        \(notary.gun): \(notary.count) eligible signing keys of \(notary.threshold): \(notary.isMet ? "met" : "NOT MET")\n"
            }
            var table = TextTable(header: ["KEYID", "TYPE", "ROLES", "ID OK", "SPKI SHA256", "SIGNED", "CERT"])
            let signed = Set(i.rootSignatures.countedKeyIDs)
            for key in i.keys {
                let cert = key.certificate.map {
                    "CN=\($0.subjectCN ?? "-") \(RFC3339.format($0.notBefore).prefix(10))..\(RFC3339.format($0.notAfter).prefix(10))\($0.isCA ? " CA" : "")"
                } ?? ""
                table.rows.append([
                    String(key.keyID.prefix(12)), key.keyType, key.roles.joined(separator: ","), key.keyIDMatches ? "yes" : "NO",
                    String((key.spkiSHA256 ?? "-").prefix(16)), signed.contains(key.keyID) ? "yes" : "", cert,
                ])
            }
            text += table.rendered.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            for finding in i.findings {
                text += "  \(finding.severity.rawValue.uppercased()) \(finding.code)\(finding.keyID.map { " [\($0.prefix(12))]" } ?? ""): \(finding.message)\n"
            }
            text += "  verdict    \(i.isValid ? "OK" : "FAILED")\n\n"
        }
        return text
    }
}
