import ArgumentParser
import Foundation
import VantageClient
import VantageCore
import VantageSupport
import VantageTUF

public struct PinsInstallCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Verify pinned roots (or a file target's bytes) and install them where a client reads them.",
        discussion: """
            --for notary: <trust dir>/tuf/<GUN>/metadata/root.json (trust dir: --trust-dir, else trust_dir of \
            ~/.notary/config.json, else ~/.notary). --for docker: the same under ${DOCKER_CONFIG:-~/.docker}/trust. \
            --for python-tuf: <--out DIR>/root.json (the Updater's metadata_dir). --for sigstore / cosign: a root file \
            (--out, default ${XDG_DATA_HOME:-~/.local/share}/vantage/roots/<target>.root.json). Then prints the command \
            that makes the client use it. --for file: a `file` target's exact bytes (a key, a keyring) at --out, mode \
            --mode (default 0644), replacing other bytes there; prints the fingerprint of each key the bytes hold \
            (else their SHA-256). Exact pinned bytes, written atomically, 0600 files in 0700 folders; an \
            existing different root is replaced only when the pinned one is a verified rotation of it, unless \
            --replace. All or nothing. Exit 0 ok, 1 error, 12 verification failed or refused, 64 usage, 66 missing \
            input (bundle document, blob), 73 destination not writable, 78 unusable trust policy.
            """
    )

    @Argument(help: "Targets to install.")
    var targets: [String]

    @Option(name: .customLong("for"), help: "The client to install for: notary, docker, python-tuf, sigstore, cosign, or file (a file target's bytes).")
    var client: InstallClient

    @OptionGroup var options: PinsOptions

    @Option(help: "notary/docker: the Notary trust dir (notary's -d).")
    var trustDir: String?

    @Option(help: "python-tuf: the Updater's metadata dir (required); sigstore/cosign: the root file to write; file: the file to write (required).")
    var out: String?

    @Option(help: "file: the installed file's mode, octal (default 0644).")
    var mode: String?

    @Option(help: "Read pinned root bytes from this folder (files named <sha256> or <sha256>.json) instead of the coordinator.")
    var blobDir: String?

    @Flag(help: "Show what would be done; write nothing.")
    var dryRun = false

    @Flag(help: "Replace an existing root even when the pinned one is not a verified rotation of it.")
    var replace = false

    @Flag(help: "notary/docker: also print the trust_pinning.certs fragment for ~/.notary/config.json.")
    var notaryConfig = false

    @Option(help: "Output format: table, json or jsonl.")
    var format: OutputFormat = .table

    /// One target's outcome (`--format json`: an array of these).
    struct Report: Encodable {
        var target: String
        var action: String
        var path: String
        var sha256: String
        var reason: String?
        /// The command that makes the client use the installed root.
        var use: String
        /// notary/docker with `--notary-config`: the root key IDs for `trust_pinning.certs`.
        var trustPinning: [String]?

        enum CodingKeys: String, CodingKey {
            case target, action, path, sha256, reason, use
            case trustPinning = "trust_pinning_certs"
        }
    }

    public func validate() throws {
        if targets.isEmpty { throw ValidationError("name at least one target") }
        if options.gun != nil, targets.count > 1 { throw ValidationError("--gun names the GUN of one target; install several one by one") }
        if client.kind != .notary, targets.count > 1 { throw ValidationError("\(client.rawValue) takes one target at a time (one file)") }
        if mode != nil, client != .file { throw ValidationError("--mode is for --for file") }
        if client == .file, notaryConfig || replace { throw ValidationError("--notary-config and --replace are for roots") }
        _ = try fileMode()
        if blobDir != nil, options.bundle != nil { throw ValidationError("a bundle has its blobs: --blob-dir is for --pins") }
        do { _ = try InstallLayout(client: client, trustDir: trustDir, out: out) } catch let error as ClientError {
            throw ValidationError(error.reason)
        }
    }

    /// `--mode` as a file mode: octal, 0 to 0777.
    func fileMode() throws -> mode_t {
        guard let mode else { return 0o644 }
        guard let value = mode_t(mode, radix: 8), value <= 0o777 else { throw ValidationError("--mode \(mode) is not an octal file mode (0 to 0777)") }
        return value
    }

    public func run() async throws {
        if client == .file { return try await installFile() }
        let layout: InstallLayout
        do { layout = try InstallLayout(client: client, trustDir: trustDir, out: out) } catch { throw Failure.report(error) }
        let policy = try options.loadPolicy()
        let expectations = try targets.map { try expectation(for: $0, policy: policy) }
        // Every destination is known and writable before any network call.
        let paths: [String]
        do {
            paths = try expectations.map { try layout.destination(target: $0.target, gun: $0.gun) }
            if !dryRun { for path in paths { try PinInstaller.checkWritable(path) } }
        } catch { throw Failure.report(error) }

        let installer = PinInstaller(replace: replace)
        let now = try options.now()
        let plans: [InstallPlan]
        let tlsCA: String?
        do {
            tlsCA = client == .notary ? try options.caBundlePath() : nil
            var state = try PinState.load(options.state)
            plans = try await options.withRun(policy, blobDir: blobDir, installs: true) { run in
                let verified: VerifiedPins
                switch try await options.verify(expectations, policy: policy, state: state, run: run) {
                case .success(let pins): verified = pins
                case .failure(let failure): throw failure
                }
                // All or nothing: every blob is fetched and checked, and every action decided, before anything is written.
                var plans: [InstallPlan] = []
                for (pin, path) in zip(verified.pins, paths) {
                    switch installer.plan(pin, bytes: try await run.blob(for: pin), path: path, now: now) {
                    case .success(let plan): plans.append(plan)
                    case .failure(let failure): throw failure
                    }
                }
                // Under the state lock; saved only once every root verified and was written: a refusal changes no state.
                if !dryRun, let newer = try state.apply(verified, { try installer.apply(plans) }) {
                    // Another run installed roots from a newer list meanwhile: they stay.
                    let why = "not written: another run installed pin list v\(newer) of coordinator \(verified.coordinator) meanwhile"
                    for n in plans.indices where plans[n].action != .refused {
                        plans[n].action = .unchanged
                        plans[n].reason = why
                    }
                }
                return plans
            }
        } catch { throw Failure.report(error) }

        let reports = plans.map { plan in
            Report(target: plan.pin.target, action: (dryRun && plan.action != .refused ? "would-" : "") + plan.action.rawValue,
                   path: plan.path, sha256: plan.pin.sha256, reason: plan.reason,
                   use: layout.usage(path: plan.path, source: plan.pin.source, tlsCA: tlsCA),
                   trustPinning: notaryConfig && client.kind == .notary ? plan.root.rootRole.keyIDs.sorted() : nil)
        }
        try Output.emit(reports, format: format) { reports in
            var table = TextTable(header: ["TARGET", "ACTION", "SHA256", "PATH", "REASON"])
            for r in reports { table.rows.append([r.target, TerminalStyle.status(r.action), String(r.sha256.prefix(16)), r.path, r.reason ?? ""]) }
            var text = table.rendered
            if !plans.contains(where: { $0.action == .refused }) { text += Set(reports.map(\.use)).sorted().map { "use: \($0)\n" }.joined() }
            if notaryConfig { text += (try? notaryFragment(plans)) ?? "" }
            return text
        }
        if plans.contains(where: { $0.action == .refused }) {
            Output.diagnostic("verification failed: refused: nothing was installed (see the REASON column)")
            throw ExitStatus.verificationFailed
        }
    }

    /// The full source `target` must have been attested for: the client's kind, the URL and, for Notary, the GUN —
    /// never taken from the pin alone. A policy entry for the target states it instead; what the command line adds
    /// must match that too (the verifier checks both).
    func expectation(for target: String, policy: TrustPolicy) throws -> PinListVerifier.Expectation {
        guard let entry = policy.targets.first(where: { $0.id == target }) else {
            // A usage error before any network call when neither --server nor the policy says where the client fetches.
            guard options.server != nil else {
                throw ValidationError(
                    "\(target): pass --server URL (the Notary server, TUF repository or file URL your client uses) or list the target's source in the trust policy's targets")
            }
            return options.expectation(for: target, kind: client.kind, complete: true)
        }
        // A client of the other kind cannot use this root: said before any network call, with the --for that fits.
        guard entry.source.kind == client.kind else {
            let names = InstallClient.names(for: entry.source.kind)
            throw ValidationError("\(target) is \(Self.describe(entry.source.kind)) (the trust policy's targets); --for \(client.rawValue) installs "
                + "\(Self.describe(client.kind)): " + (names.isEmpty ? "an image is pulled by digest: use `resolve IMAGE`" : "use --for \(names)"))
        }
        var expectation = options.expectation(for: target, kind: client.kind)
        if expectation.gun == nil { expectation.gun = entry.source.gun }
        if expectation.url == nil { expectation.url = entry.source.url }
        return expectation
    }

    /// A kind of target in words, for messages.
    static func describe(_ kind: TargetSpec.Kind) -> String {
        switch kind {
        case .notary: "a Notary repository"
        case .tuf: "a TUF repository"
        case .oci: "an image tag"
        case .file: "a file"
        }
    }

    /// `{"trust_pinning":{"certs":{"<GUN>":["<root cert key ID>",…]}}}` for ~/.notary/config.json.
    func notaryFragment(_ plans: [InstallPlan]) throws -> String {
        var certs: [String: [String]] = [:]
        for plan in plans { if let gun = plan.pin.gun { certs[gun] = plan.root.rootRole.keyIDs.sorted() } }
        return String(decoding: try Canonical.encode(["trust_pinning": ["certs": certs]], pretty: true), as: UTF8.self) + "\n"
    }
}
