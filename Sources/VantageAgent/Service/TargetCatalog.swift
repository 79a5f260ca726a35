import Logging
import VantageClient
import VantageCore
import VantageTUF

/// The targets of one poll: the static list, plus those the first coordinator serves when configured.
public actor TargetCatalog {
    /// A target with the root trusted at configuration time (if any).
    public struct Entry: Sendable {
        public var spec: TargetSpec
        public var configuredRoot: ConfiguredRoot?
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
    /// The coordinator's last list, kept when it cannot be asked.
    var remote: [Entry] = []

    /// - Parameter coordinator: the coordinator whose `GET /v1/targets` is merged in, or `nil`.
    public init(staticTargets: [Entry], coordinator: CoordinatorClient?) {
        self.staticTargets = staticTargets
        self.coordinator = coordinator
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
        self.init(staticTargets: entries, coordinator: configuration.targetsFromCoordinator ? coordinator : nil)
    }

    /// The targets to probe now; static entries win over coordinator entries with the same id. If the
    /// coordinator cannot be asked, its last list is used and the failure logged.
    public func current(logger: Logger) async -> [Entry] {
        guard let coordinator else { return staticTargets }
        let known = Set(staticTargets.map(\.spec.id))
        do {
            remote = try await coordinator.targets().map(\.spec)
                .filter { !known.contains($0.id) && $0.problem == nil }
                .map { Entry(spec: $0, configuredRoot: nil) }
        } catch {
            logger.warning("cannot fetch targets from the coordinator", metadata: ["vantage.coordinator": "\(coordinator.baseURL)", "error": "\(error)"])
        }
        return staticTargets + remote
    }
}
