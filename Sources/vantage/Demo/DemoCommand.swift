import ArgumentParser
import VantagePinsCLI
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import VantageAgent
import VantageClient
import VantageCoordinator
import VantageCore
import VantageTUF

/// `vantage demo`: the whole path on loopback with embedded defaults and no network.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole system on loopback: roots, an interceptor, a registry, three agents, a coordinator, a pin install.",
        discussion: """
            Starts a local root server with freshly signed Notary and TUF roots, an interceptor on one agent's path \
            that serves a forged root, a coordinator on a temporary SQLite file and three agents in three regions; \
            then walks through a split view, a chained rotation, an unchained replacement held and approved, and \
            installs the consensus root into a temporary trust dir. Then an https registry serves an image tag: the \
            agents agree on its digest, the tag moves and is followed, and a CI host resolves it to a pinned digest. \
            Everything is removed at the end.
            """
    )

    @Flag(help: "Keep the temporary folder (printed at the start) for inspection.")
    var keep = false

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-demo-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: work) } }
        DemoOutput.step("Working in \(work.path)")
        let quiet = Logger(label: "vantage.demo", factory: { _ in SwiftLogNoOpLogHandler() })

        let tls = try DemoTLS(now: Date())
        let caBundlePath = work.appendingPathComponent("registry-ca.pem").path
        try DemoSetup.write(tls.caPEM, to: caBundlePath)
        let registry = DemoRegistry(repository: DemoImage.repository, tag: DemoImage.tag)
        let genuine = DemoRootServer()
        let interceptor = DemoRootServer(upstream: genuine)
        let ports = DemoPorts()
        let coordinatorConfiguration = try DemoSetup.coordinatorConfiguration(in: work)
        let coordinator = try await buildCoordinator(
            configuration: coordinatorConfiguration.configuration,
            dependencies: .init(logger: quiet, onServerRunning: { await ports.set("coordinator", $0) }))
        let group = ServiceGroup(
            services: [
                coordinator.application,
                genuine.application(logger: quiet) { await ports.set("roots", $0) },
                interceptor.application(logger: quiet) { await ports.set("interceptor", $0) },
                try registry.application(tls: tls, logger: quiet) { await ports.set("registry", $0) },
            ],
            gracefulShutdownSignals: [], logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let scenario = DemoScenario(
                    work: work, coordinator: coordinator, genuine: genuine, interceptor: interceptor,
                    rootsPort: await ports.wait("roots"), interceptorPort: await ports.wait("interceptor"),
                    coordinatorPort: await ports.wait("coordinator"), registry: registry, registryPort: await ports.wait("registry"),
                    caBundlePath: caBundlePath, adminToken: coordinatorConfiguration.adminToken,
                    agentKeys: coordinatorConfiguration.agentKeys, approverKeyPath: coordinatorConfiguration.approverKeyPath,
                    approver: coordinatorConfiguration.approver, logger: quiet)
                try await scenario.run()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        DemoOutput.step("Done: everything ran on 127.0.0.1 and has been cleaned up\(keep ? " (kept \(work.path))" : "").")
    }
}

/// Bound ports, reported by the servers once they listen.
actor DemoPorts {
    var ports: [String: Int] = [:]
    var waiters: [String: [CheckedContinuation<Int, Never>]] = [:]

    func set(_ name: String, _ port: Int) {
        ports[name] = port
        for waiter in waiters.removeValue(forKey: name) ?? [] { waiter.resume(returning: port) }
    }

    func wait(_ name: String) async -> Int {
        if let port = ports[name] { return port }
        return await withCheckedContinuation { waiters[name, default: []].append($0) }
    }
}
