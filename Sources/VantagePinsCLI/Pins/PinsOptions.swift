import ArgumentParser
import Foundation
import VantageClient
import VantageCore
import VantageTUF

/// Options that say which pin list to verify, against what, and where its documents come from: a coordinator,
/// a pin list file (`--pins`) or an offline bundle (`--bundle`).
public struct PinsOptions: ParsableArguments {
    public init() {}

    @Option(help: "Trust policy file (default $VANTAGE_POLICY; see `vantage policy export`).")
    var policy: String?

    @Option(help: "Verify this pin list file instead of fetching one.")
    var pins: String?

    @Option(help: "Verify an offline bundle made by `pins bundle` (no network).")
    var bundle: String?

    @Option(
        name: .customLong("mirror"),
        help: "A static mirror of the pin lists (pin_list.mirror_dir served over HTTP(S)); repeatable, tried in order before the coordinator.")
    var mirrors: [String] = []

    @Option(help: "Last-accepted state file (default ${XDG_STATE_HOME:-~/.local/state}/vantage/pin-state.json).")
    var state: String?

    @Option(help: "Verify at this RFC 3339 time instead of now.")
    var at: String?

    @Option(
        name: [.customLong("server"), .customLong("source")],
        help: "The Notary server or TUF repository URL your TUF client uses: pins attested for another source are refused.")
    var server: String?

    @Option(help: "The Notary GUN your client uses (default: the target id; checked against the attested GUN).")
    var gun: String?

    @Option(help: "Seconds one source (a mirror or coordinator) may take in all before the next is tried.")
    var sourceTimeout: Int64 = OnlinePinSources.defaultDeadline.components.seconds

    @OptionGroup var coordinator: ConnectionOptions

    public func validate() throws {
        if pins != nil, bundle != nil { throw ValidationError("--pins and --bundle are two sources of the pin list: pass one") }
        if sourceTimeout < 1 { throw ValidationError("--source-timeout is a number of seconds (1 or more)") }
        if let server, RepositorySource.normalise(server) == nil {
            throw ValidationError("--server \(server) is not an http(s) URL without user info, query or fragment")
        }
        _ = try policyPath()
    }

    func policyPath() throws -> String {
        if let policy { return policy }
        if let path = ProcessInfo.processInfo.environment["VANTAGE_POLICY"], !path.isEmpty { return path }
        throw ValidationError("no trust policy: pass --policy FILE or set VANTAGE_POLICY (get one with `vantage policy export`)")
    }

    /// The trust policy; a file that is missing or does not parse stops the command (exit 78) with the reason.
    func loadPolicy() throws -> TrustPolicy {
        let path = try policyPath()
        func refuse(_ why: String) -> ExitCode {
            Output.diagnostic("trust policy \(path): \(why)")
            return ExitStatus.config
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw refuse("no such file (export one with `vantage policy export`, or set VANTAGE_POLICY)")
        }
        guard !isDirectory.boolValue else { throw refuse("is a folder, not a policy file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw refuse("cannot be read by this user") }
        let decoded: TrustPolicy
        do { decoded = try TrustPolicy.parse(data) } catch { throw refuse(Canonical.describe(error)) }
        if let problem = decoded.problem { throw refuse("unusable: \(problem)") }
        return decoded
    }

    /// What this machine knows about the source of `target` from `--server`, `--gun` and `kind` (the policy's
    /// target entry, when present, is checked by the verifier on top). With `complete`, a Notary GUN defaults to the
    /// target id (the convention of `targets add`), so an installer never takes the GUN — which decides where the root
    /// is written — from the pin alone.
    func expectation(for target: String, kind: TargetSpec.Kind? = nil, complete: Bool = false) -> PinListVerifier.Expectation {
        var expectation = PinListVerifier.Expectation(target: target, kind: kind, gun: gun)
        if complete, kind == .notary, gun == nil { expectation.gun = target }
        if complete, kind == .tuf { expectation.gun = nil }
        expectation.url = server.flatMap(RepositorySource.normalise)
        return expectation
    }

    func now() throws -> Timestamp {
        guard let at else { return Timestamp(Date()) }
        guard let date = RFC3339.parse(at) else { throw ValidationError("--at \(at) is not RFC 3339") }
        return Timestamp(date)
    }

    /// Runs `body` with this run's origins (``PinRun``): `--pins`, `--bundle` and `blobDir` (the install commands'
    /// `--blob-dir`) decide them, and only when one is online are the sources opened (one HTTP client per route, every
    /// URL checked first) and the configuration read. `installs` false: the run needs no pinned bytes.
    func withRun<T>(_ policy: TrustPolicy, blobDir: String? = nil, installs: Bool, _ body: (PinRun) async throws -> T) async throws -> T {
        let (list, blobs) = PinRun.origins(pins: pins, bundle: bundle, blobDir: blobDir)
        let network = PinRun.needsNetwork(list: list, blobs: installs ? blobs : nil)
        let file = network ? try coordinator.fileConfig() : nil
        let places = network ? try places(policy, file: file) : []
        return try await OnlinePinSources.with(
            places, network: network ? try coordinator.hostNetwork(file) : HostNetwork(), options: .init(failFast: true),
            deadline: .seconds(sourceTimeout), report: { Output.diagnostic($0) }
        ) { online in try await body(PinRun(list: list, blobs: blobs, online: online)) }
    }

    /// Fetches (or reads) the pin list and verifies it against the trust policy, this machine's clock and the last
    /// list accepted from the same verified coordinator. `expectations` names the pins wanted (all when `nil`).
    func verify(_ expectations: [PinListVerifier.Expectation]?, policy: TrustPolicy, state: PinState, run: PinRun) async throws
        -> Result<VerifiedPins, PinListVerifier.Failure>
    {
        try await verify(selecting: expectations.map(PinSelection.targets) ?? .all, policy: policy, state: state, run: run)
    }

    /// ``verify(_:policy:state:run:)`` for the pins `selection` names (a bundle holds named targets only).
    func verify(selecting selection: PinSelection, policy: TrustPolicy, state: PinState, run: PinRun) async throws
        -> Result<VerifiedPins, PinListVerifier.Failure>
    {
        try await run.verify(with: PinListFetcher(policy: policy, accepted: state.accepted, now: try now()), selecting: selection)
    }

    /// Where to fetch, in order: `--mirror` URLs, the coordinator (`--coordinator`, `VANTAGE_COORDINATOR`, the CLI
    /// config file), then each policy coordinator's `url` and `mirrors`. Each URL is checked here, naming where it
    /// came from.
    func places(_ policy: TrustPolicy, file: ConnectionOptions.FileConfig?) throws -> [OnlinePinSources.Place] {
        var places = mirrors.map { (OnlinePinSources.Place(.mirror, $0), "--mirror") }
        if let (url, from) = coordinator.resolvedURL(file) { places.append((.init(.coordinator, url), from)) }
        for entry in policy.coordinators {
            let from = "the trust policy's coordinator \(entry.id)"
            if let url = entry.url { places.append((.init(.coordinator, url), from)) }
            for mirror in entry.mirrors ?? [] { places.append((.init(.mirror, mirror), from)) }
        }
        var seen = Set<String>()
        return try places.filter { seen.insert($0.0.description).inserted }.map { place, from in
            try ConnectionOptions.checkURL(place.url, from: from)
            return place
        }
    }

    /// The extra CA bundle in use (`--ca-bundle`, else the CLI config file's `ca_bundle`).
    func caBundlePath() throws -> String? {
        try coordinator.caBundle ?? coordinator.fileConfig()?.caBundle
    }
}

extension TargetSpec.Kind: ExpressibleByArgument {}
extension InstallClient: ExpressibleByArgument {}
