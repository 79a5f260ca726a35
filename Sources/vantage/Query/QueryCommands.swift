import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageClient
import VantageCore
import VantageTUF

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Coordinator health, agents, targets in each state, open alerts.",
        discussion: "Exit 0, or 13 while a critical alert is open and not acknowledged (`vantage alerts ack`).")

    @OptionGroup var coordinator: CoordinatorOptions
    @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

    func run() async throws {
        let status: CoordinatorStatus
        do { status = try await coordinator.withClient { try await $0.status() } } catch { throw Failure.report(error) }
        try Output.emit(one: status, format: format) { s in
            var text = "coordinator key  \(s.coordinatorKeyID)\n"
            text += "pin list         v\(s.pinListVersion.map(String.init) ?? "-") expires \(s.pinListExpires?.description ?? "-")\n"
            text += "agents           \(s.agents) (\(s.silentAgents) silent)\n"
            text += "targets          " + s.targets.sorted { $0.key < $1.key }.map { "\(TerminalStyle.status($0.key)) \($0.value)" }.joined(separator: ", ") + "\n"
            var table = TextTable(header: ["AT", "SEVERITY", "KIND", "TARGET", "MESSAGE"])
            for e in s.openAlerts {
                table.rows.append([e.at.description, TerminalStyle.status(e.severity.rawValue), e.kind.rawValue, e.target ?? "", e.message])
            }
            return text + (s.openAlerts.isEmpty ? "open alerts      none\n" : "open alerts\n" + table.rendered)
        }
        // Scripts and health checks read the state from the exit status: an unacknowledged critical alert is not ok.
        if status.openAlerts.contains(where: { $0.severity == .critical }) { throw ExitStatus.criticalAlert }
    }
}

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "What everyone sees for a target: pinned root or digest, supporters by region, dissent, last change.",
        discussion: "Exit 0 agreed, 10 no consensus, 11 disagreement (split view)."
    )

    @Argument(help: "Target id.") var target: String
    @OptionGroup var coordinator: CoordinatorOptions
    @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

    func run() async throws {
        let status: TargetStatus
        do { status = try await coordinator.withClient { try await $0.target(target) } } catch { throw Failure.report(error) }
        try Output.emit(one: status, format: format) { t in
            var text = "target      \(t.spec.id) (\(ContentText.source(of: t.spec)))\n"
            text += "status      \(TerminalStyle.status(t.status.rawValue))\(t.classification.map { " (\($0.rawValue))" } ?? "")\n"
            if let pin = t.pinned, !t.spec.kind.isRoot {
                text += "pinned      \(ContentText.digest(pin.sha256))\(pin.published ? "" : " (NOT in the published list)")\n"
                text += pin.content.map(ContentText.lines) ?? ""
                text += "since       \(pin.pinnedAt) (\(pin.classification.rawValue)\(pin.approvedBy.map { ", approved by " + $0 } ?? ""))\n"
            } else if let pin = t.pinned {
                text += "pinned      \(pin.sha256) v\(pin.version) expires \(pin.expires)\(pin.published ? "" : " (NOT in the published list)")\n"
                // The digest `root inspect` prints for the same root, under the same label.
                text += "root keys   \(pin.rootKeys.isEmpty ? "-" : RootFingerprint.digest(of: pin.rootKeys))\n"
                text += "since       \(pin.pinnedAt) (\(pin.classification.rawValue)\(pin.approvedBy.map { ", approved by " + $0 } ?? ""))\n"
            } else {
                text += "pinned      none\n"
            }
            if let leading = t.leading, leading != t.pinned?.sha256 {
                text += t.spec.kind.isRoot
                    ? "leading     \(leading)\n"
                    : "leading     \(ContentText.digest(leading)) \(ContentText.summary(t.content(of: leading)))\n"
            }
            for reason in t.reasons { text += "            \(reason)\n" }
            var table = TextTable(header: ["AGENT", "REGION", "SEES", "SINCE", "LAST SEEN"])
            for v in t.views.sorted(by: { ($0.region, $0.agent) < ($1.region, $1.agent) }) {
                let sees = v.sha256.map { $0 == t.pinned?.sha256 ? TerminalStyle.green(String($0.prefix(16))) : TerminalStyle.red(String($0.prefix(16))) }
                    ?? TerminalStyle.yellow(v.error ?? "error")
                table.rows.append([v.agent, v.region, sees, v.since.description, v.observedAt.description])
            }
            // What each failing agent said (for a refusal, the rule that refused), below the table: it can be long.
            let errors = t.views.filter { $0.error != nil }.sorted { $0.agent < $1.agent }
                .map { "\($0.agent): \($0.error ?? "error")\($0.errorMessage.map { ": " + $0 } ?? "")\n" }
            // Content: each agent that sees another digest than the pinned one, with the whole digest and what it is.
            let others = t.spec.kind.isRoot ? [] : t.views.filter { $0.sha256 != nil && $0.sha256 != t.pinned?.sha256 }
            let differs = others.sorted { $0.agent < $1.agent }
                .map { "\($0.agent) (\($0.region)): \(ContentText.digest($0.sha256 ?? "")) \(ContentText.summary(t.content(of: $0.sha256 ?? "")))\n" }
            return text + table.rendered + (differs.isEmpty ? "" : "differs\n" + differs.joined())
                + (errors.isEmpty ? "" : "errors\n" + errors.joined())
        }
        switch status.status {
        case .splitView: throw ExitStatus.disagreement
        case .noConsensus, .unobserved: throw ExitStatus.noConsensus
        case .agreed, .changing, .pending: break
        }
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Spans and pins of a target over time; for an image tag or file, its digest timeline.",
        discussion: """
            QUORUM FIRST is when the quorum-th distinct agent first reported a digest; QUORUM LAST the latest moment \
            at which a quorum of distinct agents had each reported it then or later (agents still enrolled).
            """)

    @Argument(help: "Target id.") var target: String
    @OptionGroup var coordinator: CoordinatorOptions
    @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

    func run() async throws {
        let history: TargetHistory
        do { history = try await coordinator.withClient { try await $0.history(target) } } catch { throw Failure.report(error) }
        try Output.emit(one: history, format: format) { h in
            var pins = TextTable(header: ["PINNED AT", "VERSION", "SHA256", "CLASS", "APPROVED BY"])
            for p in h.pins {
                // Content has no version: its pins are digests only.
                let version = h.digests == nil ? "\(p.version)" : "-"
                pins.rows.append([p.pinnedAt.description, version, String(p.sha256.prefix(16)), p.classification.rawValue, p.approvedBy ?? ""])
            }
            var spans = TextTable(header: ["AGENT", "OUTCOME", "FIRST SEEN", "LAST SEEN", "COUNT", "ERROR MESSAGE"])
            for s in h.spans {
                spans.rows.append([
                    s.agent, String(s.outcome.rawValue.prefix(24)), s.firstSeen.description, s.lastSeen.description, "\(s.count)", s.errorMessage ?? "",
                ])
            }
            var actions = TextTable(header: ["AT", "BY", "ACTION"])
            for a in h.actions { actions.rows.append([a.at.description, a.details["by"] ?? "", a.message]) }
            return Self.timeline(h) + "pins\n" + pins.rendered + "\nspans\n" + spans.rendered + "\nadmin actions\n" + actions.rendered
        }
    }
}

extension HistoryCommand {
    /// An `oci`/`file` target's digest timeline (see ``DigestSighting``), oldest first; empty for a root.
    static func timeline(_ h: TargetHistory) -> String {
        guard let digests = h.digests else { return "" }
        var table = TextTable(header: ["DIGEST", "AGENTS", "FIRST SEEN", "QUORUM FIRST", "QUORUM LAST", "LAST SEEN"])
        for d in digests {
            table.rows.append([
                ContentText.digest(String(d.sha256.prefix(16))), "\(d.agents)", d.firstSeen.description, d.quorumFirstSeen?.description ?? "-",
                d.quorumLastSeen?.description ?? "-", d.lastSeen.description,
            ])
        }
        return "digests (quorum \(h.quorum ?? 0) agents)\n" + table.rendered + "\n"
    }
}

struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "List, enrol and remove agents.", subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled agents, their regions and health.")
        @OptionGroup var coordinator: CoordinatorOptions
        @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

        func run() async throws {
            let agents: [AgentStatus]
            do { agents = try await coordinator.withClient { try await $0.agents() } } catch { throw Failure.report(error) }
            try Output.emit(agents, format: format) { agents in
                var table = TextTable(header: ["AGENT", "REGION", "HEALTH", "LAST SEEN", "KEY ID"])
                for a in agents {
                    table.rows.append([a.id, a.region, TerminalStyle.status(a.health.rawValue), a.lastSeen?.description ?? "-", String(a.publicKey.keyID.prefix(16))])
                }
                return table.rendered
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol an agent (admin): its observations count once the coordinator has its key.",
            discussion: "The key is the public_key line of `vantage-agent keygen`. Agents in the coordinator's configuration file are enrolled at start instead.")
        @Argument(help: "Agent id (agent.id of its configuration).") var id: String
        @Option(help: "The agent's region.") var region: String
        @Option(help: "The agent's base64 Ed25519 public key.") var key: String
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            let publicKey: PublicIdentity
            do { publicKey = try PublicIdentity(base64: key) } catch { throw ValidationError("--key is not a base64 Ed25519 public key") }
            do { try await coordinator.withClient { try await $0.enroll(AgentEnrollment(id: id, region: region, publicKey: publicKey)) } } catch {
                throw Failure.report(error)
            }
            Output.diagnostic("enrolled \(id) (\(region), key id \(publicKey.keyID.prefix(16)))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an agent (admin): it leaves consensus and exported trust policies; its history is kept.")
        @Argument(help: "Agent id.") var id: String
        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            do { try await coordinator.withClient { try await $0.removeAgent(id) } } catch { throw Failure.report(error) }
            Output.diagnostic("removed \(id): export the trust policy again (`vantage policy export`) for CI hosts")
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Consensus and health events.")

    @OptionGroup var coordinator: CoordinatorOptions
    @Option(help: "Start after this cursor.") var after: Int64 = 0
    @Flag(help: "Keep polling for new events.") var follow = false
    @Option(help: "Seconds between polls with --follow.") var interval: Int = 5
    @Option(help: "Output format: table, json or jsonl.") var format: OutputFormat = .table

    func run() async throws {
        do {
            try await coordinator.withClient { client in
                var cursor = after
                repeat {
                    let page = try await client.events(after: cursor)
                    if !page.events.isEmpty || !follow {
                        try Output.emit(page.events, format: follow && format == .json ? .jsonl : format) { entries in
                            var table = TextTable(header: ["CURSOR", "AT", "SEVERITY", "KIND", "TARGET", "MESSAGE"])
                            for e in entries {
                                table.rows.append(["\(e.cursor)", e.event.at.description, TerminalStyle.status(e.event.severity.rawValue),
                                                   e.event.kind.rawValue, e.event.target ?? "", e.event.message])
                            }
                            return table.rendered
                        }
                    }
                    cursor = max(cursor, page.next)
                    if follow { try await Task.sleep(for: .seconds(interval)) }
                } while follow
            }
        } catch {
            throw Failure.report(error)
        }
    }
}
