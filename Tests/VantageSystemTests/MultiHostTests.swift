import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

/// The whole path across hosts, with a real man in the middle: every host is a Linux network namespace on a
/// private bridge (scripts/testbed/netns.sh), each with its own /etc/hosts. Two real notary-servers (genuine and
/// impostor, certificates from one CA, both valid for `notary.vantage.test`) serve the same GUN under different
/// root keys; which one an agent or the CI host reaches is decided by its hosts file alone.
@Suite("Multi-host with a real MITM (network namespaces)", .serialized, .timeLimit(.minutes(4)))
struct MultiHostTests {
    static let notaryName = "notary.vantage.test"
    static let coordinatorName = "coordinator.vantage.test"
    static let notaryPort = 4443
    static let coordinatorPort = 8080
    static let gun = "docker.io/vantage-system/web"

    /// Host name → last octet of 198.18.0.x.
    static let hosts = [
        "coord": 10, "hook": 11, "genuine": 20, "impostor": 21, "agent-eu": 31, "agent-us": 32, "agent-ap": 33, "ci": 40,
    ]
    static let agentHosts = [("agent-eu", "eu-west"), ("agent-us", "us-east"), ("agent-ap", "ap-south")]

    @Test(.enabled(if: Netns.available, "network namespaces cannot be created here (scripts/testbed/netns.sh check failed: needs root and iproute2)"))
    func splitViewImpostorMajorityAndRotation() async throws {
        try await withSystem("mh") { cleanup in
            let world = try await World.make(cleanup)
            try await world.run()
        }
    }

    /// The namespaces, servers and daemons of the scenario.
    final class World: @unchecked Sendable {
        let net: Netns
        let scratch: Scratch
        let genuine: NotaryServer
        let impostor: NotaryServer
        let coordinator: CoordinatorProcess
        let receiver: WebhookReceiver
        let agents: [String: AgentProcess]
        let caFile: String
        var api: CoordinatorAPI { coordinator.api }
        var coordinatorURL: String { "http://\(MultiHostTests.coordinatorName):\(MultiHostTests.coordinatorPort)" }
        var notaryURL: String { "https://\(MultiHostTests.notaryName):\(MultiHostTests.notaryPort)" }

        init(net: Netns, scratch: Scratch, genuine: NotaryServer, impostor: NotaryServer, coordinator: CoordinatorProcess,
             receiver: WebhookReceiver, agents: [String: AgentProcess], caFile: String)
        {
            self.net = net
            self.scratch = scratch
            self.genuine = genuine
            self.impostor = impostor
            self.coordinator = coordinator
            self.receiver = receiver
            self.agents = agents
            self.caFile = caFile
        }

        static func make(_ cleanup: Cleanup) async throws -> World {
            let scratch = cleanup.scratch
            let prefix = "vs\(getpid())"
            let stale = Netns(prefix: prefix, hosts: [:])
            await stale.down()  // a namespace left by a crashed process that had this pid
            let net = try await Netns.up(prefix: prefix, hosts: MultiHostTests.hosts)
            cleanup.add { await net.down() }

            // Names: every host reaches the coordinator and the webhook receiver by name; the Notary name
            // resolves to the genuine server everywhere at first (the impostor's own host resolves to itself).
            for host in MultiHostTests.hosts.keys {
                try await net.setHosts(host, [
                    MultiHostTests.notaryName: host == "impostor" ? "impostor" : "genuine",
                    MultiHostTests.coordinatorName: "coord",
                ])
            }

            // Two real notary-servers with certificates from one CA, both valid for notary.vantage.test.
            let caDirectory = try scratch.directory("ca")
            var servers: [NotaryServer] = []
            for host in ["genuine", "impostor"] {
                let server = try await NotaryServer.start(
                    dir: try scratch.directory(host), place: net.place(host), port: MultiHostTests.notaryPort,
                    url: "https://\(MultiHostTests.notaryName):\(MultiHostTests.notaryPort)", listen: net.address(host),
                    caDir: caDirectory, extraSANs: MultiHostTests.notaryName)
                cleanup.add { await server.stop() }
                // The same GUN, published from the server's own host with its own publisher keys.
                try await server.publish(MultiHostTests.gun)
                servers.append(server)
            }
            let caFile = caDirectory + "/ca.crt"

            let receiver = WebhookReceiver(place: net.place("hook"), host: net.address("hook"), port: 9000, directory: scratch.path)
            cleanup.add { receiver.stop() }

            var identities: [AgentIdentity] = []
            for (id, region) in MultiHostTests.agentHosts {
                identities.append(try await AgentIdentity.create(id: id, region: region, keyPath: scratch.file("\(id).key")))
            }
            let notaryURL = "https://\(MultiHostTests.notaryName):\(MultiHostTests.notaryPort)"
            let target = NotaryTarget(id: MultiHostTests.gun, url: notaryURL, gun: MultiHostTests.gun)
            var settings = CoordinatorSettings(port: MultiHostTests.coordinatorPort)
            settings.listenHost = net.address("coord")
            settings.webhookURL = receiver.url
            // While every path is intercepted, the pinned root stays published on the agents' last attestations of it;
            // 60 s (the default here) ran out on a loaded CI machine before the test looked. Nothing here tests max_age.
            settings.maxAgeSeconds = 600
            let coordinatorURL = "http://\(MultiHostTests.coordinatorName):\(MultiHostTests.coordinatorPort)"
            let coordinator = try await CoordinatorProcess(
                directory: try scratch.directory("coordinator"), place: net.place("coord"), settings: settings, agents: identities,
                targets: [target.coordinatorLine], api: CoordinatorAPI(baseURL: coordinatorURL, via: net.place("ci")))
            cleanup.add { await coordinator.stop() }

            var agents: [String: AgentProcess] = [:]
            for identity in identities {
                let agent = try AgentProcess(
                    identity: identity, directory: try scratch.directory(identity.id), place: net.place(identity.id),
                    coordinators: [coordinatorURL], targets: [target], caBundle: caFile)
                cleanup.add { await agent.stop() }
                agents[identity.id] = agent
            }
            return World(
                net: net, scratch: scratch, genuine: servers[0], impostor: servers[1], coordinator: coordinator, receiver: receiver,
                agents: agents, caFile: caFile)
        }

        /// Points `host`'s name for the Notary server at `server` ("genuine" or "impostor") and closes its open
        /// connections to the other one, as a real path change would.
        func route(_ host: String, to server: String) async throws {
            try await net.setHosts(host, [MultiHostTests.notaryName: server, MultiHostTests.coordinatorName: "coord"])
            try await net.dropConnections(host, to: server == "genuine" ? "impostor" : "genuine")
        }

        /// The latest digest each agent reported, by agent id.
        func views() async throws -> [String: String] {
            var views: [String: String] = [:]
            for view in try await api.target(MultiHostTests.gun).views { views[view.agent] = view.sha256 ?? "error:\(view.error ?? "")" }
            return views
        }

        func events(after cursor: Int64) async throws -> [VantageEvent] {
            try await api.events(after: cursor).map(\.event).filter { $0.target == MultiHostTests.gun }
        }

        func lastCursor() async throws -> Int64 { try await api.events().last?.cursor ?? 0 }

        /// `vantage` on the CI host.
        func ci(_ arguments: [String]) async throws -> CommandResult {
            try await net.place("ci").run(PackagePaths.executable("vantage"), arguments)
        }

        /// The real `notary list` on the CI host with its trust dir.
        func notaryList(trustDir: String) async throws -> CommandResult {
            try await VantageSystemTests.notaryList(
                place: net.place("ci"), url: notaryURL, gun: MultiHostTests.gun, trustDir: trustDir, caFile: caFile)
        }

        func run() async throws {
            let gun = MultiHostTests.gun
            let genuineV1 = try await genuine.root(gun)
            let forged = try await impostor.root(gun)
            try #require(genuineV1.sha256 != forged.sha256, "the impostor must serve a different root")
            try await receiver.start()
            try await coordinator.start()

            // 1. agent-ap's path is intercepted: its name for the Notary server resolves to the impostor. It starts
            //    first, so no moment exists in which only the two honest agents have reported.
            try await route("agent-ap", to: "impostor")
            try agents["agent-ap"]!.start()
            try await waitUntil("agent-ap reports the impostor's root", seconds: 40) { try await views()["agent-ap"] == forged.sha256 }
            try agents["agent-eu"]!.start()
            try agents["agent-us"]!.start()
            let splitAlert = try await waitFor("split_view delivered to the webhook receiver", seconds: 40) {
                receiver.deliveries().first { $0.kind == "split_view" && $0.target == gun }
            }
            #expect(splitAlert.status == 204 && splitAlert.signatureOK && splitAlert.timestampOK, "Standard Webhooks verification failed")
            try await waitUntil("two agents see the genuine root, one the impostor's", seconds: 30) {
                try await views() == ["agent-eu": genuineV1.sha256, "agent-us": genuineV1.sha256, "agent-ap": forged.sha256]
            }
            #expect(try await api.target(gun).status == .splitView)
            #expect(try await api.pinned(gun) == nil, "a root was pinned during a split view")
            try await Task.sleep(for: .seconds(3))  // several consensus rounds and polls later
            #expect(try await api.pinned(gun) == nil, "a root was pinned during a split view")

            // 2. The interception ends: all three agree on the genuine root, which gets pinned.
            try await route("agent-ap", to: "genuine")
            let firstPin = try await waitFor("genuine root pinned", seconds: 40) {
                try await api.pinned(gun).flatMap { $0.sha256 == genuineV1.sha256 ? $0 : nil }
            }
            // Each agent saw the genuine root first (first sight) and then the same bytes again: continuations only.
            #expect(firstPin.attestations.allSatisfy { $0.continuity == .firstSight || $0.continuity == .same })
            #expect(try await api.target(gun).pinned?.classification == .first)

            //    The CI host installs the pin from the exported trust policy, and the real notary client then
            //    accepts the genuine server and refuses the impostor with the same trust dir.
            let ciDirectory = try scratch.directory("ci")
            let policy = ciDirectory + "/trust-policy.json", state = ciDirectory + "/pin-state.json", trustDir = ciDirectory + "/trust"
            let rootFile = "\(trustDir)/tuf/\(gun)/metadata/root.json"
            let export = try await ci(["policy", "export", "--coordinator", coordinatorURL, "--out", policy])
            try #require(export.status == 0, "policy export: \(export)")
            let install = try await ci(pinsInstall(policy: policy, state: state, trustDir: trustDir))
            #expect(install.status == 0 && install.output.contains("installed"), "pins install: \(install)")
            #expect(FileManager.default.contents(atPath: rootFile).map(Array.init) == genuineV1.bytes)
            let listGenuine = try await notaryList(trustDir: trustDir)
            #expect(listGenuine.status == 0, "notary list against the genuine server: \(listGenuine)")
            try await route("ci", to: "impostor")
            let listImpostor = try await notaryList(trustDir: trustDir)
            #expect(listImpostor.status == 1, "notary list against the impostor must fail: \(listImpostor)")
            #expect(listImpostor.output.contains("could not rotate trust to a new trusted root"), "\(listImpostor)")
            #expect(FileManager.default.contents(atPath: rootFile).map(Array.init) == genuineV1.bytes, "the pinned root was overwritten")
            try await route("ci", to: "genuine")

            // 3. The impostor takes a majority of the paths, then all of them: its root is not chained to the pinned
            //    one, so the pin must not move without an operator's approval.
            var cursor = try await lastCursor()
            try await route("agent-eu", to: "impostor")
            try await route("agent-us", to: "impostor")
            try await waitUntil("two agents see the impostor's root, one the genuine", seconds: 30) {
                try await views() == ["agent-eu": forged.sha256, "agent-us": forged.sha256, "agent-ap": genuineV1.sha256]
            }
            let majority = try await waitFor("split_view or replacement_held with the impostor in the majority", seconds: 30) {
                try await events(after: cursor).first { $0.kind == .splitView || $0.kind == .replacementHeld }
            }
            #expect(majority.details["pinned_sha256"] == genuineV1.sha256)
            try await waitUntil("consensus sees the impostor's majority", seconds: 20) {
                let status = try await api.target(gun)
                return status.leading == forged.sha256 && [.splitView, .pending].contains(status.status)
            }
            try await Task.sleep(for: .seconds(3))
            #expect(try await api.pinned(gun)?.sha256 == genuineV1.sha256, "the pin moved to the impostor's majority")

            cursor = try await lastCursor()
            try await route("agent-ap", to: "impostor")
            let held = try await waitFor("replacement_held with every path intercepted", seconds: 40) {
                try await events(after: cursor).first { $0.kind == .replacementHeld }
            }
            #expect(held.details["sha256"] == forged.sha256)
            #expect(try await api.target(gun).status == .pending)
            #expect(try await api.target(gun).classification == .replaced)
            try await Task.sleep(for: .seconds(3))
            #expect(try await api.pinned(gun)?.sha256 == genuineV1.sha256, "the pin moved to an unchained root without approval")

            for host in ["agent-eu", "agent-us", "agent-ap"] { try await route(host, to: "genuine") }
            try await waitUntil("agents agree on the pinned root again", seconds: 40) { try await api.target(gun).status == .agreed }

            // 4. A real rotation on the genuine server (`notary key rotate`): observed by all agents, classified
            //    `rotated`, followed; the CI host's installed pin follows and the real client accepts the new root.
            try await genuine.rotate(gun)
            let genuineV2 = try await genuine.root(gun)
            #expect(genuineV2.version == 2)
            let rotatedPin = try await waitFor("rotated root pinned", seconds: 40) {
                try await api.pinned(gun).flatMap { $0.sha256 == genuineV2.sha256 ? $0 : nil }
            }
            #expect(rotatedPin.attestations.contains { $0.continuity == .rotated })
            #expect(try await api.target(gun).pinned?.classification == .rotated)
            try await waitUntil("every agent observed the rotation", seconds: 20) {
                try await views().values.allSatisfy { $0 == genuineV2.sha256 }
            }
            try await waitUntil("rotated event delivered to the webhook receiver", seconds: 30) {
                receiver.deliveries().contains { $0.kind == "rotated" && $0.target == gun && $0.status == 204 }
            }
            let reinstall = try await ci(pinsInstall(policy: policy, state: state, trustDir: trustDir))
            #expect(reinstall.status == 0 && reinstall.output.contains("updated"), "pins install after the rotation: \(reinstall)")
            #expect(FileManager.default.contents(atPath: rootFile).map(Array.init) == genuineV2.bytes)
            let listRotated = try await notaryList(trustDir: trustDir)
            #expect(listRotated.status == 0, "notary list after the rotation: \(listRotated)")

            // Every list ever published: a valid hash chain, and the impostor's root in none of them.
            let lists = try await api.allPinLists()
            #expect(lists.count >= 3)
            #expect(try chainProblems(lists, coordinatorKey: coordinator.publicKey) == [])
            for list in lists {
                #expect(!list.pins.contains { $0.sha256 == forged.sha256 }, "pin list v\(list.header.signed.version) pins the impostor's root")
            }
            #expect(lists.compactMap { $0.pins.first { $0.target == gun }?.sha256 }.reduce(into: [String]()) {
                if $0.last != $1 { $0.append($1) }
            } == [genuineV1.sha256, genuineV2.sha256])

            // Every event reached the webhook receiver, correctly signed.
            try await waitUntil("every event delivered to the webhook receiver", seconds: 30) {
                Set(receiver.acceptedCounts().keys).isSuperset(of: try await api.events().map(\.event.id))
            }
            #expect(receiver.deliveries().allSatisfy { $0.status == 204 })
        }

        func pinsInstall(policy: String, state: String, trustDir: String) -> [String] {
            ["pins", "install", "--for", "notary", MultiHostTests.gun, "--policy", policy, "--state", state, "--coordinator", coordinatorURL,
             "--server", "https://\(MultiHostTests.notaryName):\(MultiHostTests.notaryPort)", "--trust-dir", trustDir, "--format", "json"]
        }
    }
}
