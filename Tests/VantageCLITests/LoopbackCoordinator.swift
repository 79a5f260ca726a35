import Foundation
import Logging
import ServiceLifecycle
import VantageCoordinator
import VantageCore

/// A real coordinator in this process (SQLite file, HTTP on a loopback port the kernel picks): what the black-box
/// CLI tests run the commands against.
enum LoopbackCoordinator {
    /// The base configuration: a fresh coordinator key written into `state` (created), port 0, quorum 2 in 2 regions,
    /// no minimum durations.
    static func configuration(state: String) throws -> CoordinatorConfiguration {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try Data(SigningIdentity().fileContents.utf8).write(to: URL(fileURLWithPath: state + "/coordinator.key"))
        var configuration = CoordinatorConfiguration()
        configuration.listenPort = 0
        configuration.stateDirectory = state
        configuration.consensus = ConsensusPolicy(quorum: 2, minRegions: 2, minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0))
        return configuration
    }

    /// Serves `configuration`, runs `body` with the coordinator's URL and the coordinator, then shuts it down (when
    /// `body` throws too).
    static func run<T: Sendable>(
        _ configuration: CoordinatorConfiguration, _ body: (_ url: String, _ coordinator: Coordinator) async throws -> T
    ) async throws -> T {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let port = PortBox()
        let coordinator = try await buildCoordinator(
            configuration: configuration, dependencies: .init(logger: quiet, onServerRunning: { await port.set($0) }))
        let group = ServiceGroup(services: [coordinator.application], gracefulShutdownSignals: [], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: T
            do { result = try await body("http://127.0.0.1:\(await port.get())", coordinator) } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

/// The port the coordinator reports once it listens, for whoever waits for it.
actor PortBox {
    var port: Int?
    var waiters: [CheckedContinuation<Int, Never>] = []
    func set(_ value: Int) {
        port = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }
    func get() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
