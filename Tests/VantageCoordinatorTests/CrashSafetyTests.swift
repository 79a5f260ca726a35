import AsyncHTTPClient
import Foundation
import VantageTestSupport
import GRDB
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Crash safety with the real binary: agents post concurrently while the coordinator is SIGKILLed several times;
/// after restart every acknowledged observation is stored and the pin list chain is intact.
@Suite struct CrashSafetyTests {
    static var binary: String? {
        let path = PackagePaths.executable("vantage-coordinator")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test(.enabled(if: binary != nil, "needs the built vantage-coordinator binary (swift build)"))
    func sigkillLosesNoAcknowledgedObservation() async throws {
        let scratch = try Scratch("vantage-crash")
        defer { scratch.remove() }
        let directory = scratch.path
        _ = try Keygen.create(at: directory + "/coordinator.key")
        let agents = [TestAgent("agent-eu", "eu"), TestAgent("agent-us", "us"), TestAgent("agent-ap", "ap")]
        let port = try freePort()
        let config = """
            {
              "listen": {"host": "127.0.0.1", "port": \(port)},
              "state_dir": "\(directory)",
              "agents": [\(agents.map { "\"\($0.id) \($0.region) \($0.identity.publicKey.base64)\"" }.joined(separator: ", "))],
              "targets": ["crash/app tuf https://tuf.example.test"],
              "consensus": {"quorum": 2, "min_regions": 2, "min_duration": {"first": 0, "resigned": 0},
                            "interval_seconds": 1, "debounce_ms": 20},
              "database": {"synchronous": "full"}
            }
            """
        try config.write(toFile: directory + "/coordinator.json", atomically: true, encoding: .utf8)
        let repository = try TestRepository()
        let acknowledged = Acknowledged()
        let base = "http://127.0.0.1:\(port)"

        for run in 1...4 {
            let process = try start(config: directory + "/coordinator.json", log: directory + "/run-\(run).log")
            try await waitUntil("coordinator ready (run \(run))", seconds: 60, every: .milliseconds(50)) {
                (try? await get(base + "/readyz").0) == 200
            }
            let root = try repository.root(version: run)
            // Four agents' worth of concurrent posters; the process is killed while they run.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        while !Task.isCancelled {
                            let batch = try (0..<10).map { n in
                                try agents[(worker + n) % 3].observe("crash/app", root: root, at: Timestamp(Date()))
                            }
                            guard let receipt = try? await post(base + APIPath.observations, ObservationBatch(observations: batch)) else {
                                return
                            }
                            acknowledged.ids.withLock { set in for item in receipt.items where item.accepted { set.insert(item.id) } }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(1500 + 250 * run))
                process.stop()
                try await group.waitForAll()
            }
        }
        // Restart once more and check through the API that the chain and the data are intact.
        let process = try start(config: directory + "/coordinator.json", log: directory + "/final.log")
        defer { process.stop() }
        try await waitUntil("coordinator ready after the last crash", seconds: 60, every: .milliseconds(50)) {
            (try? await get(base + "/readyz").0) == 200
        }
        let ids = acknowledged.ids.withLock { $0 }
        #expect(ids.count > 100, "the test acknowledged too few observations to mean anything")
        let newest = sha256(try repository.root(version: 4))
        try await waitUntil("the restarted coordinator pins the newest root", seconds: 60, every: .milliseconds(50)) {
            let (status, body) = try await get(base + APIPath.pins)
            return status == 200 && (try? Canonical.decode(PinList.self, from: body))?.pins.first?.sha256 == newest
        }

        let database = try DatabaseQueue(path: directory + "/coordinator.sqlite")
        let stored = try await database.read { db in Set(try String.fetchAll(db, sql: "SELECT lower(hex(id)) FROM observations_seen")) }
        #expect(ids.subtracting(stored).isEmpty, "acknowledged but lost: \(ids.subtracting(stored).count)")
        let headers = try await database.read { db in
            try Data.fetchAll(db, sql: "SELECT header_json FROM pin_lists ORDER BY version").map {
                try Canonical.decode(SignedPinListHeader.self, from: Array($0))
            }
        }
        #expect(headers.count >= 2)
        for (index, header) in headers.enumerated() {
            #expect(header.signed.version == Int64(index + 1))
            #expect(header.signed.previous == (index == 0 ? "" : try headers[index - 1].digest))
        }
    }

    func start(config: String, log: String) throws -> ChildProcess {
        try ChildProcess(Self.binary!, ["serve", "--config", config, "--log-level", "warning"], stdoutPath: "/dev/null", stderrPath: log)
    }
}

/// Ids of observations the coordinator acknowledged.
final class Acknowledged: Sendable {
    let ids = Mutex<Set<String>>([])
}

func get(_ url: String) async throws -> (Int, [UInt8]) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), Array(body.readableBytesView))
}

func post(_ url: String, _ batch: ObservationBatch) async throws -> ObservationReceipt {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(bytes: try Canonical.encode(batch)))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 16 << 20)
    guard response.status == .ok else { throw TestFailure("HTTP \(response.status)") }
    return try Canonical.decode(ObservationReceipt.self, from: body.readableBytesView)
}
