import Logging
import VantageClient
import VantageCore
import VantageTUF

/// The targets of one poll: the static list, plus those the first coordinator serves when configured.
public actor TargetCatalog {
    /// A target with the root trusted at configuration time (if any).
    public struct Entry: Sendable {
        public var spec: TargetSpec
        public var configuredRoot: Root?
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

    /// Loads the configured trusted roots (already validated by the loader).
    public init(configuration: AgentConfiguration, coordinator: CoordinatorClient?) throws {
        self.init(
            staticTargets: try configuration.targets.map { target in
                Entry(spec: target.spec, configuredRoot: try target.trustedRootPath.map { try TrustedRootFile.load($0, kind: target.spec.kind) })
            },
            coordinator: configuration.targetsFromCoordinator ? coordinator : nil)
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
