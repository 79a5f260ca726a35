import Foundation
import VantageTestSupport
import GRDB
import Testing
import VantageCore

/// Fault injection on loopback with the real binaries: `vantage-coordinator serve` (SQLite), three
/// `vantage-agent run` daemons polling a real notary-server every second, and a Standard Webhooks receiver.
@Suite("Fault injection (real binaries, loopback)", .timeLimit(.minutes(3)))
struct FaultInjectionTests {
    /// (a) The coordinator is SIGKILLed again and again while three agent daemons report. After each restart every
    /// observation an agent saw acknowledged is in the coordinator's database, and the pin list hash chain is
    /// intact; at the end every observation each agent made (sequence 1…n) is stored exactly once.
    @Test func sigkillCoordinatorWhileAgentsReport() async throws {
        try await withSystem("kill") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 3, keepEverything: true, batchSize: 1)
            let live = system.coordinatorURL
            try await system.coordinator.start()
            try system.startAgents()
            var acknowledgedBefore: [String: Int] = [:]
            var storedUnacknowledged = 0  // stored by the coordinator, but the agent never saw the receipt
            for round in 1...4 {
                // Let every agent get more observations acknowledged, then crash the coordinator mid-stream.
                try await waitUntil("round \(round): every agent delivers", seconds: 45) {
                    try system.agents.allSatisfy { agent in
                        try agent.spool().acknowledged(by: live).count >= (acknowledgedBefore[agent.id] ?? 0) + 4
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...1200)))
                system.coordinator.crash()
                // The coordinator is down: nothing more can be acknowledged until it is back. What the agents saw
                // acknowledged must be in the database file now, and in the restarted coordinator's database.
                let snapshots = try system.agents.map { try $0.spool() }
                let storedAtCrash = try system.coordinator.storedObservationIDs()
                try await system.coordinator.start()
                let stored = try system.coordinator.storedObservationIDs()
                for (agent, snapshot) in zip(system.agents, snapshots) {
                    let acknowledged = snapshot.acknowledged(by: live)
                    let lost = acknowledged.filter { !stored.contains($0.id) || !storedAtCrash.contains($0.id) }
                    #expect(lost.isEmpty, "round \(round): \(agent.id) lost acknowledged sequences \(lost.map(\.sequence))")
                    storedUnacknowledged += snapshot.pending[live, default: []].intersection(storedAtCrash).count
                    acknowledgedBefore[agent.id] = acknowledged.count
                }
                let lists = try await system.api.allPinLists()
                #expect(!lists.isEmpty)
                #expect(try chainProblems(lists, coordinatorKey: system.coordinator.publicKey) == [], "round \(round)")
            }
            try await waitUntil("every spool drained to the coordinator", seconds: 45) {
                try system.agents.allSatisfy { try $0.spool().pendingCount(for: live) == 0 }
            }
            for agent in system.agents { await agent.stop() }
            let stored = try system.coordinator.storedObservationIDs()
            var delivered = Set<String>()
            for agent in system.agents {
                let snapshot = try agent.spool()
                #expect(snapshot.observations.map(\.sequence) == Array(1...snapshot.sequence), "\(agent.id): sequence gap in the spool")
                let spooled = Set(snapshot.observations.map(\.id))
                #expect(spooled.subtracting(stored).isEmpty, "\(agent.id): \(spooled.subtracting(stored).count) spooled observations never stored")
                delivered.formUnion(spooled)
            }
            #expect(stored == delivered, "the coordinator stored \(stored.subtracting(delivered).count) observations no agent spooled")
            let total = stored.count
            #expect(total >= 3 * 4 * 4, "too few observations to mean anything: \(total)")
            print("sigkill: \(total) observations stored once each over 4 crashes; \(storedUnacknowledged) were stored before a crash without reaching the agent's receipt and were resent")
            try await system.waitForPins()
            let lists = try await system.api.allPinLists()
            #expect(try chainProblems(lists, coordinatorKey: system.coordinator.publicKey) == [])
        }
    }

    /// (b) The coordinator is stopped for several poll intervals: the agents keep polling and spool; once it is
    /// back they deliver everything, counted by agent sequence number.
    @Test func coordinatorDownAgentsSpoolThenDeliver() async throws {
        try await withSystem("spool") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 1, keepEverything: true)
            let live = system.coordinatorURL
            try await system.coordinator.start()
            try system.startAgents()
            try await system.waitForPins()
            try await waitUntil("every agent delivered", seconds: 30) {
                try system.agents.allSatisfy { try $0.spool().acknowledged(by: live).count >= 2 }
            }
            await system.coordinator.stop()
            let before = try system.agents.map { try $0.spool() }
            // Several poll intervals (1 s each) without a coordinator.
            try await waitUntil("agents keep polling while the coordinator is down", seconds: 30) {
                try zip(system.agents, before).allSatisfy { agent, old in try agent.spool().sequence >= old.sequence + 4 }
            }
            let during = try system.agents.map { try $0.spool() }
            for (agent, (old, now)) in zip(system.agents, zip(before, during)) {
                let outage = now.observations.filter { $0.sequence > old.sequence }
                #expect(outage.count >= 4, "\(agent.id) made no observations while the coordinator was down")
                let pending = now.pending[live] ?? []
                #expect(outage.allSatisfy { pending.contains($0.id) }, "\(agent.id): an observation made during the outage is not spooled")
            }
            try await system.coordinator.start()
            try await waitUntil("every spool drained after the coordinator returned", seconds: 45) {
                try system.agents.allSatisfy { try $0.spool().pendingCount(for: live) == 0 }
            }
            for agent in system.agents { await agent.stop() }
            let stored = try system.coordinator.storedObservationIDs()
            var delivered = Set<String>()
            for (agent, old) in zip(system.agents, during) {
                let snapshot = try agent.spool()
                let spooled = Set(snapshot.observations.map(\.id))
                #expect(snapshot.observations.map(\.sequence) == Array(1...snapshot.sequence), "\(agent.id): sequence gap")
                #expect(spooled.subtracting(stored).isEmpty, "\(agent.id): not every observation delivered")
                #expect(spooled.count == Int(snapshot.sequence) && snapshot.sequence > old.sequence)
                delivered.formUnion(spooled)
            }
            #expect(stored == delivered, "the coordinator stored \(stored.subtracting(delivered).count) observations no agent spooled")
        }
    }

    /// (c) The webhook receiver is down while events are raised, across a coordinator crash and restart; once it
    /// is up every event is delivered, correctly signed, exactly once per webhook id.
    @Test func webhookReceiverDownAcrossCoordinatorRestart() async throws {
        try await withSystem("hook") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 2, webhook: true)
            let receiver = try #require(system.receiver)
            try await system.coordinator.start()
            try system.startAgents()
            try await system.waitForPins()
            // Run 1: two first_pin events, their deliveries failing.
            // A hang guard: each failed attempt spends its timeout retrying the connection, slower on a loaded machine.
            try await waitUntil("first webhook attempts fail", seconds: 120) { try failingDeliveries(system) >= 2 }
            system.coordinator.crash()

            // Run 2: a rotation (rotated event) and a test alert, still with the receiver down.
            try await system.coordinator.start()
            let token = system.coordinator.settings.adminToken
            try await runChecked(PackagePaths.executable("vantage"), ["alerts", "test", "--coordinator", system.coordinatorURL, "--token", token])
            let rotated = system.targets[0]
            try await system.notary.rotate(rotated.gun)
            try await system.waitForPins()
            let kinds = try await waitFor("rotated and test events raised", seconds: 30) { () -> [String]? in
                let kinds = try await system.api.events().map(\.event.kind.rawValue)
                return kinds.contains("rotated") && kinds.contains("test") ? kinds : nil
            }
            #expect(kinds.filter { $0 == "first_pin" }.count == 2)
            // (A rotation may also raise a transient split_view while agents pick it up at different times.)
            try await waitUntil("every event's webhook delivery attempted and failed", seconds: 120) {
                let events = try await system.api.events().count
                let (failing, rows) = try system.coordinator.read { db in
                    (try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND attempts > 0 AND delivered_at IS NULL") ?? 0,
                     try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE channel = 'webhook'") ?? 0)
                }
                return failing == rows && rows == events
            }
            #expect(receiver.deliveries().isEmpty)

            // The receiver comes up: everything arrives.
            try await receiver.start()
            try await waitUntil("every event delivered to the webhook", seconds: 45) {
                Set(receiver.acceptedCounts().keys).isSuperset(of: try await system.api.events().map(\.event.id))
            }
            // Further outbox polls and retries deliver nothing twice.
            try await Task.sleep(for: .seconds(4))
            let ids = Set(try await system.api.events().map(\.event.id))
            let counts = receiver.acceptedCounts()
            #expect(counts.count == ids.count && counts.values.allSatisfy { $0 == 1 }, "deliveries per id: \(counts)")
            let deliveries = receiver.deliveries()
            #expect(deliveries.allSatisfy { $0.signatureOK && $0.timestampOK }, "a delivery failed Standard Webhooks verification")
            #expect(Set(deliveries.compactMap(\.kind)).isSuperset(of: kinds))
            let undelivered = try system.coordinator.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? -1
            }
            #expect(undelivered == 0)
        }
    }

    /// (d) A partition leaves one agent of three (quorum 2): `quorum_lost` is raised and delivered, the pin does not
    /// change, and the pin list is still re-signed with the same pins before the previous one expires.
    @Test func partitionBelowQuorum() async throws {
        try await withSystem("quorum") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 1, webhook: true) {
                $0.maxAgeSeconds = 8
                $0.pinListLifetimeSeconds = 60
            }
            let receiver = try #require(system.receiver)
            try await receiver.start()
            try await system.coordinator.start()
            try system.startAgents()
            try await system.waitForPins()
            let target = system.targets[0].id
            let pinned = try #require(try await system.api.pinned(target))
            let pinsBefore = try await system.api.latestPinList()?.pins.map { [$0.target, $0.sha256] }

            // Partition: two of the three agents can no longer report.
            let cursor = try await system.api.events().last?.cursor ?? 0
            system.agents[1].kill9()
            system.agents[2].kill9()
            let quorumLost = try await waitFor("quorum_lost event", seconds: 40) {
                try await system.api.events(after: cursor).first { $0.event.kind == .quorumLost && $0.event.target == target }?.event
            }
            try await waitUntil("quorum_lost delivered to the webhook", seconds: 20) {
                receiver.deliveries().contains { $0.id == quorumLost.id && $0.kind == "quorum_lost" && $0.status == 204 }
            }
            #expect(try await system.api.target(target).status == .noConsensus)

            // The list must be re-signed before it expires (lifetime 60 s: re-signed when less than 30 s are left).
            let lists = try await waitFor("pin list re-signed after quorum was lost", seconds: 70, every: .seconds(1)) { () -> [PinList]? in
                let lists = try await system.api.allPinLists()
                return lists.last.map { $0.header.signed.issuedAt > quorumLost.at } == true ? lists : nil
            }
            let resigned = lists[lists.count - 1], previous = lists[lists.count - 2]
            // Without a fresh quorum no client would accept the pin (attestations are counted at most max_age old at
            // the client's clock): the re-signed list leaves it out, and says so, rather than publish it broken. The
            // coordinator keeps the pin itself; no new pin is made.
            #expect(resigned.pins.isEmpty, "a pin without a fresh quorum was published")
            #expect(resigned.header.signed.issuedAt < previous.header.signed.expires, "re-signed only after the previous list expired")
            #expect(try chainProblems(lists, coordinatorKey: system.coordinator.publicKey) == [])
            #expect(try await system.api.target(target).pinned?.sha256 == pinned.sha256)
            #expect(try await system.api.events(after: cursor).contains { $0.event.kind == .pinUnsupported && $0.event.target == target })
            let pinRows = try system.coordinator.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pins") ?? -1 }
            #expect(pinRows == 1, "a pin was created while quorum was lost")
        }
    }

    /// Webhook outbox rows that were attempted and are still undelivered.
    func failingDeliveries(_ system: LoopbackSystem) throws -> Int {
        try system.coordinator.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND attempts > 0 AND delivered_at IS NULL") ?? 0
        }
    }
}
