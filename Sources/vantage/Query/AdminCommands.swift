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
                    // Content has no version; its location is the image reference or the file's URL.
                    let version = t.pinned.flatMap { t.spec.kind.isRoot ? "\($0.version)" : nil } ?? "-"
                    table.rows.append([t.spec.id, t.spec.kind.rawValue, TerminalStyle.status(t.status.rawValue), pinned, version, ContentText.location(of: t.spec)])
                }
                return table.rendered
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch a Notary GUN, a TUF repository, an image tag or a file's bytes (admin).",
            discussion: """
                --kind notary|tuf --url URL [--gun GUN]: a root. --kind oci --image REF [--immutable]: an image tag \
                (`ubuntu:24.04`, `ghcr.io/org/app:1.2`); the id defaults to the canonical reference \
                (`docker.io/library/ubuntu:24.04`); a move is followed after min_duration, or with --immutable held for \
                approvers. --kind file --url URL [--follow-changes]: the exact bytes at URL (a key, a keyring); a change \
                is held for approvers unless --follow-changes.
                """)
        @Argument(help: "Target id, e.g. docker.io/library/debian (for --kind oci, defaults to the image reference).") var id: String?
        @Option(help: "notary, tuf, oci or file.") var kind: String
        @Option(help: "Notary server URL, TUF metadata base URL, or (file) the file's URL.") var url: String?
        @Option(help: "Notary GUN (defaults to the id).") var gun: String?
        @Option(help: "oci: the image tag, e.g. docker.io/library/ubuntu:24.04 (no digest).") var image: String?
        @Flag(help: "oci: the tag must not move; a move is held for approvers.") var immutable = false
        @Flag(help: "file: follow a change after min_duration instead of holding it for approvers.") var followChanges = false
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            let spec = try TargetSpecification.make(
                id: id, kind: kind, url: url, gun: gun, image: image, immutable: immutable, followChanges: followChanges)
            do { try await coordinator.withClient { try await $0.addTarget(spec) } } catch { throw Failure.report(error) }
            Output.diagnostic("added \(spec.id)")
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
