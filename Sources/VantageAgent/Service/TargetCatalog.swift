import Logging
import VantageClient
import VantageCore
import VantageTUF

/// The targets of one poll: the static list, plus those the first coordinator serves when configured.
///
/// Coordinator-supplied targets are bounded by the agent's `network.*` configuration: at most
/// `network.max_targets` of them per poll (the rest dropped with a warning naming the count), and each whose URL
/// matches no `network.allowed_sources` pattern comes back with ``Entry/forbidden`` set — reported, never fetched.
public actor TargetCatalog {
    /// A target with the root trusted at configuration time (if any).
    public struct Entry: Sendable {
        public var spec: TargetSpec
        public var configuredRoot: ConfiguredRoot?
        /// Why this target must not be probed (a coordinator-supplied URL outside `network.allowed_sources`), or
        /// `nil`. The prober turns it into an ``VantageCore/ObservationError`` of kind `forbidden` with this
        /// message, without any network request.
        public var forbidden: String?
        /// Who listed it: a coordinator's target is probed under `network.allowed_sources` (redirects and token
        /// realms included), the configuration's is not.
        public var supplier: TargetSupplier

        public init(
            spec: TargetSpec, configuredRoot: ConfiguredRoot? = nil, forbidden: String? = nil, supplier: TargetSupplier = .configuration
        ) {
            self.spec = spec
            self.configuredRoot = configuredRoot
            self.forbidden = forbidden
            self.supplier = supplier
        }
    }

    /// A configured trusted root, checked at start (it parses, is of the target's dialect, meets its own
    /// threshold) and kept as its exact bytes: parsed again only when a probe starts from it (no newer root
    /// stored yet), so an agent watching many targets does not keep every parsed root alive. Targets naming the
    /// same file share one copy of the bytes.
    public struct ConfiguredRoot: Sendable {
        public let version: Int
        public let bytes: [UInt8]

        public init(_ root: Root) {
            version = root.version
            bytes = root.bytes
        }

        /// The parsed root (`nil` only if the checked bytes no longer parse, which cannot happen).
        public func root() -> Root? { try? Root.parse(bytes) }
    }

    let staticTargets: [Entry]
    let coordinator: CoordinatorClient?
    let destinations: DestinationPolicy
    let maxTargets: Int
    /// The coordinator's last list, kept when it cannot be asked.
    var remote: [Entry] = []

    /// - Parameters:
    ///   - coordinator: the coordinator whose `GET /v1/targets` is merged in, or `nil`.
    ///   - network: the patterns and limit applied to the coordinator's targets.
    public init(staticTargets: [Entry], coordinator: CoordinatorClient?, network: AgentConfiguration.Network = .init()) {
        self.staticTargets = staticTargets
        self.coordinator = coordinator
        destinations = DestinationPolicy(network)
        maxTargets = network.maxTargets
    }

    /// Loads the configured trusted roots (already validated by the loader; each distinct file is read and checked
    /// once more here, since it may have changed meanwhile).
    public init(configuration: AgentConfiguration, coordinator: CoordinatorClient?) throws {
        var loaded: [String: ConfiguredRoot] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(configuration.targets.count)
        for target in configuration.targets {
            var configured: ConfiguredRoot?
            if let path = target.trustedRootPath {
                let key = "\(target.spec.kind.rawValue):\(path)"
                if let cached = loaded[key] {
                    configured = cached
                } else {
                    let root = ConfiguredRoot(try TrustedRootFile.load(path, kind: target.spec.kind))
                    loaded[key] = root
                    configured = root
                }
            }
            entries.append(Entry(spec: target.spec, configuredRoot: configured))
        }
        self.init(
            staticTargets: entries, coordinator: configuration.targetsFromCoordinator ? coordinator : nil, network: configuration.network)
    }

    /// The targets to probe now; static entries win over coordinator entries with the same id. If the
    /// coordinator cannot be asked, its last list is used and the failure logged.
    /// Why the last fetch of the coordinator's targets failed (`nil` after a success, or without `targets_from_coordinator`).
    public private(set) var lastFetchFailure: String?

    public func current(logger: Logger) async -> [Entry] {
        guard let coordinator else { return staticTargets }
        let known = Set(staticTargets.map(\.spec.id))
        do {
            let specs = try await coordinator.targets().map(\.spec).filter { !known.contains($0.id) && $0.problem == nil }
            remote = admit(specs, logger: logger, coordinator: coordinator.baseURL)
            lastFetchFailure = nil
        } catch {
            lastFetchFailure = "\(error)"
            logger.warning("cannot fetch targets from the coordinator", metadata: ["vantage.coordinator": "\(coordinator.baseURL)", "error": "\(error)"])
        }
        return staticTargets + remote
    }

    /// Marks the coordinator's targets outside `network.allowed_sources` as forbidden and keeps at most
    /// `network.max_targets`, allowed ones first (so refusals cannot crowd out probes).
    func admit(_ specs: [TargetSpec], logger: Logger, coordinator: String) -> [Entry] {
        var allowed: [Entry] = []
        var refused: [Entry] = []
        for spec in specs {
            switch destinations.checkCoordinatorTarget(url: spec.url) {
            case .allowed: allowed.append(Entry(spec: spec, supplier: .coordinator))
            case .forbidden(let reason): refused.append(Entry(spec: spec, forbidden: reason, supplier: .coordinator))
            }
        }
        if !refused.isEmpty {
            logger.warning("coordinator-supplied targets outside network.allowed_sources are reported as forbidden, not probed", metadata: [
                "vantage.coordinator": "\(coordinator)", "vantage.forbidden": "\(refused.count)",
                "vantage.allowed_sources": "\(destinations.allowedSources.count)",
            ])
        }
        let entries = allowed + refused
        guard entries.count > maxTargets else { return entries }
        logger.warning("the coordinator lists more targets than network.max_targets: the rest are dropped", metadata: [
            "vantage.coordinator": "\(coordinator)", "vantage.listed": "\(entries.count)", "vantage.max_targets": "\(maxTargets)",
            "vantage.dropped": "\(entries.count - maxTargets)",
        ])
        return Array(entries.prefix(maxTargets))
    }
}
