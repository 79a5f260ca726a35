import Synchronization
import VantageCore

/// An in-memory mirror of the enrolled agents and active targets, so ingest can check signatures without a
/// database read. ``RegistryStore`` updates it after each committed change.
final class Directory: Sendable {
    struct Contents: Sendable {
        var agents: [String: AgentEnrollment] = [:]
        private(set) var targets: [String: TargetSpec] = [:]
        /// Each active target's source and its ``VantageCore/RepositorySource/storageKey``, made when the target is
        /// set, not for every observation ingest checks against it; absent when the target's URL does not normalise.
        private(set) var sources: [String: (source: RepositorySource, key: String)] = [:]

        mutating func put(target: TargetSpec) {
            targets[target.id] = target
            sources[target.id] = target.source.map { ($0, $0.storageKey) }
        }

        mutating func remove(target id: String) {
            targets[id] = nil
            sources[id] = nil
        }
    }

    private let state = Mutex(Contents())

    var contents: Contents { state.withLock { $0 } }

    func target(_ id: String) -> TargetSpec? { state.withLock { $0.targets[id] } }

    func replace(_ contents: Contents) { state.withLock { $0 = contents } }
    func put(agent: AgentEnrollment) { state.withLock { $0.agents[agent.id] = agent } }
    func remove(agent id: String) { state.withLock { $0.agents[id] = nil } }
    func put(target: TargetSpec) { state.withLock { $0.put(target: target) } }
    func remove(target id: String) { state.withLock { $0.remove(target: id) } }
}
