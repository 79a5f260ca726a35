import VantagePinsCLI
import Foundation
import VantageCore

/// How the demo talks: numbered steps, indented detail, tables.
enum DemoOutput {
    static func step(_ text: String) { Output.line(TerminalStyle.bold("==> ") + text) }
    static func detail(_ text: String) { Output.line("    " + text) }

    static func consensus(_ targets: [TargetStatus]) {
        var table = TextTable(header: ["TARGET", "STATUS", "PINNED", "VERSION", "AGENTS (region: sees)"])
        for t in targets {
            let views = t.views.sorted { $0.agent < $1.agent }.map { v -> String in
                let sees = v.sha256.map { String($0.prefix(8)) } ?? (v.error ?? "error")
                return "\(v.region): \(v.sha256 == nil || v.sha256 == t.pinned?.sha256 ? sees : TerminalStyle.red(sees))"
            }
            table.rows.append([
                t.spec.id, TerminalStyle.status(t.status.rawValue), String((t.pinned?.sha256 ?? "-").prefix(12)),
                // Content (`oci`, `file`) has no version.
                t.pinned.flatMap { t.spec.kind.isRoot ? "v\($0.version)" : nil } ?? "-", views.joined(separator: "  "),
            ])
        }
        for line in table.rendered.split(separator: "\n") { detail(String(line)) }
    }

    static func events(_ entries: [EventPage.Entry]) {
        for entry in entries {
            let e = entry.event
            detail("event \(TerminalStyle.status(e.severity.rawValue)) \(e.kind.rawValue) \(e.target ?? ""): \(e.message)")
        }
    }
}
