import ArgumentParser
import VantagePinsCLI
import VantageClient
import VantageCore

struct TargetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets", abstract: "List, add and remove watched targets.",
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Watched targets and their consensus status.")
        @OptionGroup var coordinator: CoordinatorOptions
        @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

        func run() async throws {
            let targets: [TargetStatus]
            do { targets = try await coordinator.withClient { try await $0.targets() } } catch { throw Failure.report(error) }
            try Output.emit(targets, format: format) { targets in
                var table = TextTable(header: ["TARGET", "KIND", "STATUS", "PINNED", "VERSION", "URL"])
                for t in targets {
                    let pinned = String((t.pinned?.sha256 ?? "-").prefix(16))
                    let version = t.pinned.map { "\($0.version)" } ?? "-"
                    table.rows.append([t.spec.id, t.spec.kind.rawValue, TerminalStyle.status(t.status.rawValue), pinned, version, t.spec.url])
                }
                return table.rendered
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Watch a Notary GUN or a TUF repository (admin).")
        @Argument(help: "Target id, e.g. docker.io/library/debian.") var id: String
        @Option(help: "notary or tuf.") var kind: String
        @Option(help: "Notary server URL or TUF metadata base URL.") var url: String
        @Option(help: "Notary GUN (defaults to the id).") var gun: String?
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            guard let kind = TargetSpec.Kind(rawValue: kind) else { throw ValidationError("--kind must be notary or tuf") }
            let spec = TargetSpec(id: id, kind: kind, url: url, gun: kind == .notary ? (gun ?? id) : nil)
            if let problem = spec.problem { throw ValidationError(problem) }
            do { try await coordinator.withClient { try await $0.addTarget(spec) } } catch { throw Failure.report(error) }
            Output.diagnostic("added \(id)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop watching a target (admin); its history is kept.")
        @Argument(help: "Target id.") var id: String
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            do { try await coordinator.withClient { try await $0.removeTarget(id) } } catch { throw Failure.report(error) }
            Output.diagnostic("removed \(id)")
        }
    }
}

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Open alerts, acknowledging them, and testing the alert channels.",
        subcommands: [List.self, Ack.self, Test.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Alerts opened and not yet resolved, newest first, with who acknowledged them and why.")
        @OptionGroup var coordinator: CoordinatorOptions
        @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

        func run() async throws {
            let alerts: [AlertEntry]
            do { alerts = try await coordinator.withClient { try await $0.alerts() } } catch { throw Failure.report(error) }
            try Output.emit(alerts, format: format) { alerts in
                guard !alerts.isEmpty else { return "no open alerts\n" }
                var table = TextTable(header: ["ID", "AT", "SEVERITY", "KIND", "TARGET", "ACKNOWLEDGED", "NOTE", "MESSAGE"])
                for a in alerts {
                    let ack = a.acknowledged.map { "\($0.by) \($0.at)" } ?? "-"
                    table.rows.append([a.event.id, a.event.at.description, TerminalStyle.status(a.event.severity.rawValue), a.event.kind.rawValue,
                                       a.event.target ?? "", ack, a.acknowledged?.note ?? "", a.event.message])
                }
                return table.rendered
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an open alert (admin): it stays listed, with your token's name, and `status` no longer fails on it.")
        @Argument(help: "The alert's event id (the ID column of `vantage alerts`).") var id: String
        @Option(help: "Why, for the record.") var note: String?
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            let ack: AlertAcknowledgement
            do { ack = try await coordinator.withClient { try await $0.acknowledge(alert: id, note: note) } } catch { throw Failure.report(error) }
            Output.diagnostic("acknowledged \(id) as \(ack.by)")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test event through every configured channel (admin).")
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            do { try await coordinator.withClient { try await $0.sendTestAlert() } } catch { throw Failure.report(error) }
            Output.diagnostic("test event queued for every channel")
        }
    }
}
