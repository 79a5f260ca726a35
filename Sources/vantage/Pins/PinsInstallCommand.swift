import ArgumentParser
import Crypto
import Foundation
import VantageClient
import VantageCore
import VantageSupport
import VantageTUF

struct PinsInstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Verify and install pinned roots where real TUF clients read them.",
        discussion: """
            Notary targets go to <trust dir>/tuf/<GUN>/metadata/root.json (default \
            ${DOCKER_CONFIG:-~/.docker}/trust), TUF targets to --tuf-root. Exact pinned bytes, written \
            atomically, 0600 files in 0700 folders. An existing different root is replaced only when the pinned \
            root is a verified rotation of it, unless --replace. Exit 0 ok, 12 verification failed or refused, 1 error.
            """
    )

    @Argument(help: "Targets to install.")
    var targets: [String]

    @OptionGroup var options: PinsOptions

    @Option(help: "Docker config folder (default $DOCKER_CONFIG or ~/.docker); the trust dir is <it>/trust.")
    var dockerConfig: String?

    @Option(help: "Notary trust dir (overrides --docker-config).")
    var trustDir: String?

    @Option(help: "Trusted root path for the TUF target (python-tuf, sigstore clients).")
    var tufRoot: String?

    @Option(help: "The kind of repository the targets are: notary or tuf (default: tuf with --tuf-root, else notary).")
    var kind: TargetSpec.Kind?

    @Option(help: "Read pinned root bytes from this folder (files named <sha256> or <sha256>.json) instead of the coordinator.")
    var blobDir: String?

    @Flag(help: "Show what would be done; write nothing.")
    var dryRun = false

    @Flag(help: "Replace an existing root even when the pinned one is not a verified rotation of it.")
    var replace = false

    @Flag(help: "Also print the trust_pinning.certs fragment for ~/.notary/config.json.")
    var notaryConfig = false

    @Option(help: "Output format: table, json or jsonl.")
    var format: OutputFormat = .table

    struct Action: Encodable {
        var target: String
        var action: String
        var path: String
        var sha256: String
        var reason: String?
    }

    func validate() throws {
        if targets.isEmpty { throw ValidationError("name at least one target") }
    }

    func run() async throws {
        // The source binding needs to know where this machine's TUF client fetches from: a usage error before any
        // network call when neither --server nor the trust policy says it.
        let policy = try options.loadPolicy()
        if options.server == nil, let missing = targets.first(where: { target in !policy.targets.contains { $0.id == target } }) {
            throw ValidationError(
                "\(missing): pass --server URL (the Notary server or TUF metadata URL your client uses) or list the target's source in the trust policy's targets")
        }
        if options.gun != nil, targets.count > 1 { throw ValidationError("--gun names the GUN of one target; install several one by one") }
        // The full source each target must have been attested for: kind (this command installs for one kind of client),
        // URL and, for Notary, the GUN — never taken from the pin alone. A policy entry for the target decides instead.
        let kind = self.kind ?? (tufRoot == nil ? .notary : .tuf)
        let expectations = try targets.map { target in
            guard let entry = policy.targets.first(where: { $0.id == target }) else {
                return try options.expectation(for: target, kind: kind, complete: true)
            }
            // The policy states the source; what the command line adds must match it too (the verifier checks both).
            var expectation = try options.expectation(for: target, kind: self.kind ?? entry.source.kind)
            if expectation.gun == nil { expectation.gun = entry.source.gun }
            if expectation.url == nil { expectation.url = entry.source.url }
            return expectation
        }
        let now = try options.now()
        let verified: VerifiedPins
        do {
            switch try await PinsVerification(options: options).run(expectations: expectations) {
            case .success(let pins): verified = pins
            case .failure(let failure):
                Output.diagnostic("verification failed: \(failure)")
                throw ExitStatus.verificationFailed
            }
        } catch {
            throw Failure.report(error)
        }
        let tufPins = verified.pins.filter { $0.kind == .tuf }
        if tufPins.count > 1 { throw ValidationError("--tuf-root takes one TUF target at a time; got \(tufPins.count)") }
        // All or nothing: every blob is fetched and checked, and every action decided, before anything is written;
        // a refusal of any pin writes no file and leaves this machine's state as it was.
        var plans: [(action: Action, bytes: [UInt8], root: Root)] = []
        for pin in verified.pins { plans.append(try await plan(pin, now: now)) }
        let refused = plans.contains { $0.action.action == "refused" }
        var actions = plans.map(\.action)
        if !refused {
            for (index, plan) in plans.enumerated() where plan.action.action != "unchanged" {
                if dryRun {
                    actions[index].action = "would-" + plan.action.action
                } else {
                    try AtomicFile.write(plan.bytes, to: plan.action.path)
                }
            }
            if !dryRun {
                do { try PinsVerification(options: options).record(verified) } catch { throw Failure.report(error) }
            }
        }
        try Output.emit(actions, format: format) { actions in
            var table = TextTable(header: ["TARGET", "ACTION", "SHA256", "PATH", "REASON"])
            for a in actions {
                table.rows.append([a.target, TerminalStyle.status(a.action), String(a.sha256.prefix(16)), a.path, a.reason ?? ""])
            }
            return table.rendered
        }
        if notaryConfig {
            Output.line(try notaryFragment(zip(verified.pins, plans).compactMap { pin, plan in
                pin.kind == .notary ? pin.gun.map { ($0, plan.root) } : nil
            }))
        }
        if refused {
            Output.diagnostic("verification failed: refused: nothing was installed (see the REASON column)")
            throw ExitStatus.verificationFailed
        }
    }

    /// What installing one verified pin would do, with the checked bytes and root; writes nothing.
    func plan(_ pin: Pin, now: Timestamp) async throws -> (action: Action, bytes: [UInt8], root: Root) {
        let path = try destination(for: pin)
        let bytes = try await blob(pin.sha256)
        // Facts from bytes: the attested digest, the attested kind, Notary's own rules for the attested GUN.
        let pinned: Root
        switch PinnedRootVerifier.verify(bytes, for: pin, now: now) {
        case .success(let root): pinned = root
        case .failure(let failure):
            Output.diagnostic("verification failed: \(failure)")
            throw ExitStatus.verificationFailed
        }
        var action = Action(target: pin.target, action: "installed", path: path, sha256: pin.sha256)
        if let existing = FileManager.default.contents(atPath: path).map(Array.init) {
            if existing == bytes {
                action.action = "unchanged"
                return (action, bytes, pinned)
            }
            if let old = try? Root.parse(existing) {
                let change = RootChangeClassifier.classify(from: old, to: pinned)
                action.reason = "\(change.kind.rawValue): \(change.reasons.joined(separator: "; "))"
                if change.kind == .replaced && !replace {
                    action.action = "refused"
                    action.reason = "existing root v\(old.version) is not rotated to the pinned one (\(action.reason ?? "")); use --replace"
                    return (action, bytes, pinned)
                }
                action.action = change.kind == .replaced ? "replaced" : "updated"
            } else if !replace {
                action.action = "refused"
                action.reason = "existing file is not a root; use --replace"
                return (action, bytes, pinned)
            }
        }
        return (action, bytes, pinned)
    }

    func destination(for pin: Pin) throws -> String {
        switch pin.kind {
        case .notary:
            guard let gun = pin.gun, !gun.isEmpty, !gun.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                throw ValidationError("\(pin.target): pin has no usable GUN")
            }
            let environment = ProcessInfo.processInfo.environment
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            let trust = trustDir ?? ((dockerConfig ?? environment["DOCKER_CONFIG"] ?? (home + "/.docker")) + "/trust")
            return "\(trust)/tuf/\(gun)/metadata/root.json"
        case .tuf:
            guard let tufRoot else { throw ValidationError("\(pin.target) is a TUF target: pass --tuf-root PATH") }
            return tufRoot
        }
    }

    func blob(_ sha256: String) async throws -> [UInt8] {
        if let blobDir {
            for name in [sha256, sha256 + ".json"] {
                if let data = FileManager.default.contents(atPath: blobDir + "/" + name) { return Array(data) }
            }
            Output.diagnostic("no blob \(sha256) in \(blobDir)")
            throw ExitStatus.error
        }
        do {
            return try await options.coordinator.withClient { try await $0.blob(sha256: sha256) }
        } catch {
            throw Failure.report(error)
        }
    }

    /// `{"trust_pinning":{"certs":{"<GUN>":["<root cert key ID>",…]}}}` for the Notary pins.
    func notaryFragment(_ roots: [(gun: String, root: Root)]) throws -> String {
        var certs: [String: [String]] = [:]
        for (gun, root) in roots { certs[gun] = root.rootRole.keyIDs.sorted() }
        return String(decoding: try Canonical.encode(["trust_pinning": ["certs": certs]], pretty: true), as: UTF8.self)
    }
}
