import Synchronization
import VantageCore

/// An in-memory mirror of the enrolled agents and active targets, so ingest can check signatures without a
/// database read. ``RegistryStore`` updates it after each committed change.
final class Directory: Sendable {
    struct Contents: Sendable {
        var agents: [String: AgentEnrollment] = [:]
        var targets: [String: TargetSpec] = [:]
    }

    private let state = Mutex(Contents())

    var contents: Contents { state.withLock { $0 } }

    func target(_ id: String) -> TargetSpec? { state.withLock { $0.targets[id] } }

    func replace(_ contents: Contents) { state.withLock { $0 = contents } }
    func put(agent: AgentEnrollment) { state.withLock { $0.agents[agent.id] = agent } }
    func remove(agent id: String) { state.withLock { $0.agents[id] = nil } }
    func put(target: TargetSpec) { state.withLock { $0.targets[target.id] = target } }
    func remove(target id: String) { state.withLock { $0.targets[id] = nil } }
}
