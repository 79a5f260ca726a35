import ArgumentParser
import VantagePinsCLI
import AsyncHTTPClient
import Foundation
import Logging
import VantageAgent
import VantageClient
import VantageCoordinator
import VantageCore
import VantageSupport
import VantageTUF

/// The demo's story, step by step, against real components on loopback.
struct DemoScenario {
    var work: URL
    var coordinator: Coordinator
    var genuine: DemoRootServer
    var interceptor: DemoRootServer
    var rootsPort: Int
    var interceptorPort: Int
    var coordinatorPort: Int
    var registry: DemoRegistry
    var registryPort: Int
    /// The demo registry's CA, which the agents trust.
    var caBundlePath: String
    var adminToken: String
    var agentKeys: [String: String]
    var approverKeyPath: String
    var approver: ApproverKey
    var logger: Logger

    var coordinatorURL: String { "http://127.0.0.1:\(coordinatorPort)" }

    func run() async throws {
        var repos = try DemoRepositories(now: Date())
        let notary = TargetSpec(id: DemoRepositories.gun, kind: .notary, url: "http://127.0.0.1:\(rootsPort)", gun: DemoRepositories.gun)
        let tuf = TargetSpec(id: DemoRepositories.tufTarget, kind: .tuf, url: "http://127.0.0.1:\(rootsPort)/tuf")

        // Publishers: Notary root v1 and TUF root v1; the interceptor holds a forged Notary root for the same GUN.
        let notaryV1 = try repos.notaryRoot(version: 1, keys: repos.notaryKeys, signers: repos.notaryKeys)
        genuine.put(DemoRepositories.notaryPath("root.json"), notaryV1)
        genuine.put(DemoRepositories.notaryPath("1.root.json"), notaryV1)
        let tufV1 = try repos.tufRoot(version: 1, keys: repos.tufKeys, signers: repos.tufKeys)
        genuine.put(DemoRepositories.tufPath(1), tufV1)
        let impostorKey = try repos.notaryKey()
        let forged = try repos.notaryRoot(version: 1, keys: [impostorKey], signers: [impostorKey])
        interceptor.put(DemoRepositories.notaryPath("root.json"), forged)
        interceptor.put(DemoRepositories.notaryPath("1.root.json"), forged)
        DemoOutput.step("Root server on 127.0.0.1:\(rootsPort): Notary GUN \(DemoRepositories.gun) v1 (\(short(notaryV1))), TUF repository v1 (\(short(tufV1)))")
        DemoOutput.step("Interceptor on 127.0.0.1:\(interceptorPort) sits on \(DemoSetup.intercepted)'s path and serves a forged root (\(short(forged)))")
        DemoOutput.step("Coordinator on 127.0.0.1:\(coordinatorPort) (SQLite in \(work.lastPathComponent)/coordinator), quorum 2 agents in 2 regions")

        let http = try HTTPClientFactory.make()
        let admin = CoordinatorClient(baseURL: coordinatorURL, token: adminToken, http: http)
        var agents: [AgentRuntime] = []
        do {
            try await admin.addTarget(notary)
            try await admin.addTarget(tuf)
            try await startAgents(&agents, targets: [notary, tuf])
            DemoOutput.step("Three agents: \(DemoSetup.agents.map { "\($0.0) (\($0.1))" }.joined(separator: ", "))")
            let cursor = try await story(repos: &repos, admin: admin, agents: agents, notary: notary, tuf: tuf)
            try await imageStory(admin: admin, agents: &agents, roots: [notary, tuf], after: cursor)
        } catch {
            for agent in agents { await agent.shutdown() }
            try? await http.shutdown()
            throw error
        }
        for agent in agents { await agent.shutdown() }
        try await http.shutdown()
    }

    /// Starts the three agents with `targets` (after shutting down any already in `agents`: a restart, as when an
    /// operator changes their configuration).
    func startAgents(_ agents: inout [AgentRuntime], targets: [TargetSpec]) async throws {
        for agent in agents { await agent.shutdown() }
        agents = []
        for (id, region) in DemoSetup.agents {
            let configuration = DemoSetup.agentConfiguration(
                id: id, region: region, keyPath: agentKeys[id]!, work: work, coordinatorURL: coordinatorURL,
                targets: targets, approver: approver, caBundlePath: caBundlePath)
            let intercepted = InterceptedPath.wrapper(
                genuine: "http://127.0.0.1:\(rootsPort)", interceptor: "http://127.0.0.1:\(interceptorPort)")
            agents.append(try await AgentRuntime(
                configuration: configuration, logger: logger, registry: nil, path: id == DemoSetup.intercepted ? intercepted : nil))
        }
    }

    /// Acts 1 to 6, on the roots; returns the event cursor after them.
    func story(
        repos: inout DemoRepositories, admin: CoordinatorClient, agents: [AgentRuntime], notary: TargetSpec, tuf: TargetSpec
    ) async throws -> Int64 {
        var cursor: Int64 = 0

        DemoOutput.step("1. Every agent polls both repositories; \(DemoSetup.intercepted)'s path is intercepted")
        cursor = try await round(agents, admin: admin, after: cursor)
        try expect(try await admin.target(notary.id).status == .splitView, "the Notary target should be a split view")

        DemoOutput.step("2. The interception ends: all paths now see the genuine root")
        interceptor.removeAll()
        cursor = try await round(agents, admin: admin, after: cursor)
        let firstPin = try await admin.target(notary.id).pinned
        try expect(firstPin?.sha256 == sha256(try Root.parse(genuine.lookup(DemoRepositories.notaryPath("root.json"))!)),
                   "the genuine Notary root should be pinned, never the forged one")

        DemoOutput.step("3. The Notary publisher rotates its root key (v2 signed by the old and the new key)")
        let newKey = try repos.notaryKey()
        let notaryV2 = try repos.notaryRoot(version: 2, keys: [newKey], signers: repos.notaryKeys + [newKey])
        repos.notaryKeys = [newKey]
        genuine.put(DemoRepositories.notaryPath("2.root.json"), notaryV2)
        genuine.put(DemoRepositories.notaryPath("root.json"), notaryV2)
        cursor = try await round(agents, admin: admin, after: cursor)
        let rotated = try await admin.target(notary.id)
        try expect(rotated.pinned?.version == 2 && rotated.pinned?.classification == .rotated, "the rotation should be followed")

        DemoOutput.step("4. The TUF repository is replaced by new keys that the old root never signed")
        let replacementKeys = try (0..<3).map { _ in try RootSigningKey.generate(.ed25519) }
        let tufV2 = try repos.tufRoot(version: 2, keys: replacementKeys, signers: replacementKeys)
        genuine.put(DemoRepositories.tufPath(2), tufV2)
        cursor = try await round(agents, admin: admin, after: cursor)
        let held = try await admin.target(tuf.id)
        try expect(held.status == .pending && held.pinned?.version == 1, "the unchained replacement should be held")

        DemoOutput.step("5. An approver checks it out of band and signs an approval with their own key: vantage approve \(tuf.id) \(short(tufV2))…")
        var approve = try ApproveCommand.parse([
            tuf.id, sha256(try Root.parse(tufV2)), "--key", approverKeyPath, "--approver", approver.id, "--server", tuf.url,
            "--coordinator", coordinatorURL, "--token", adminToken, "--note", "demo: planned key replacement",
        ])
        try await approve.run()
        cursor = try await round(agents, admin: admin, after: cursor)
        try expect(try await admin.target(tuf.id).pinned?.version == 2, "the approved replacement should be pinned")
        DemoOutput.detail("agents hold the approver's key in their own configuration, so they adopt v2 as their trusted root too")

        DemoOutput.step("6. A CI host installs the consensus root for \(notary.id), verifying the pin list offline")
        let policyPath = work.appendingPathComponent("trust-policy.json").path
        try AtomicFile.write(try Canonical.encode(try await admin.policy(), pretty: true), to: policyPath)
        DemoOutput.detail("trust policy exported to \(policyPath) (coordinator key, 3 agents, 1 approver, quorum 2, 2 regions)")
        let trustDir = work.appendingPathComponent("ci-host/.notary").path
        guard var install = try PinsCommand.parseAsRoot([
            "install", notary.id, "--for", "notary", "--policy", policyPath, "--coordinator", coordinatorURL, "--server", notary.url,
            "--trust-dir", trustDir, "--state", work.appendingPathComponent("ci-host/pin-state.json").path,
        ]) as? any AsyncParsableCommand else { throw DemoFailure(message: "pins install did not parse") }
        try await install.run()
        let installed = "\(trustDir)/tuf/\(DemoRepositories.gun)/metadata/root.json"
        let bytes = FileManager.default.contents(atPath: installed).map(Array.init) ?? []
        try expect(bytes == notaryV2, "the installed root should be the exact pinned bytes")
        DemoOutput.detail("\(installed): the exact bytes of v2; `notary -d` on this trust dir now refuses any other root")
        return cursor
    }

    /// Agents poll and deliver, the coordinator decides; prints the consensus table and the new events.
    func round(_ agents: [AgentRuntime], admin: CoordinatorClient, after cursor: Int64) async throws -> Int64 {
        for agent in agents { _ = await agent.service.runOnce() }
        _ = try await coordinator.consensus.evaluateNow()
        DemoOutput.consensus(try await admin.targets())
        let page = try await admin.events(after: cursor)
        DemoOutput.events(page.events)
        return page.next
    }

    func expect(_ condition: Bool, _ what: String) throws {
        guard condition else { throw DemoFailure(message: what) }
    }

    func sha256(_ root: Root) -> String { root.sha256 }
    func short(_ bytes: [UInt8]) -> String { String(((try? Root.parse(bytes))?.sha256 ?? "?").prefix(12)) }
}

/// A step of the demo did not turn out as the system promises.
struct DemoFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "demo check failed: \(message)" }
}
