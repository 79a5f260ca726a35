import Crypto
import Foundation
import VantageTestSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import VantageCore
import VantageTUF

extension ObservationReceipt: ResponseEncodable {}

/// What the fake coordinator stored, by observation id (idempotent, like the real one).
actor CoordinatorLedger {
    var stored: [String: SignedObservation] = [:]
    var duplicates = 0
    var badSignatures = 0
    var badRootBytes = 0
    var batches = 0
    /// Delay before answering a batch (to kill the agent while it waits for the receipt).
    var hold: Duration?
    var firstBatchStored = false

    /// What `GET /v1/targets` lists (for `targets_from_coordinator`).
    var targets: [TargetSpec] = []

    func setHold(_ hold: Duration?) { self.hold = hold }
    func setTargets(_ targets: [TargetSpec]) { self.targets = targets }

    func record(id: String, _ observation: SignedObservation) -> Bool {
        if stored[id] != nil {
            duplicates += 1
            return true
        }
        stored[id] = observation
        return false
    }

    func countBad(signature: Bool) {
        if signature { badSignatures += 1 } else { badRootBytes += 1 }
    }

    func batchDone() -> Duration? {
        batches += 1
        firstBatchStored = true
        return hold
    }

    var sequences: [Int64] { stored.values.map(\.observation.sequence).sorted() }
}

/// A minimal coordinator: `POST /v1/observations` verifies each agent signature (and root bytes against the
/// digest), stores by id, and acknowledges; `GET /v1/targets` lists the ledger's ``CoordinatorLedger/targets``.
final class FakeCoordinator: @unchecked Sendable {
    let ledger = CoordinatorLedger()
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(agentKey: PublicIdentity, port requested: Int = 0) async throws -> FakeCoordinator {
        try await FakeCoordinator(agentKey: agentKey, port: requested)
    }

    private init(agentKey: PublicIdentity, port requested: Int) async throws {
        let ledger = ledger
        let router = Router()
        router.post("/v1/observations") { request, _ -> ObservationReceipt in
            let body = try await request.body.collect(upTo: 64 << 20)
            let batch = try Canonical.decode(ObservationBatch.self, from: Array(body.readableBytesView))
            var items: [ObservationReceipt.Item] = []
            for observation in batch.observations {
                let id = try observation.id
                let signature = ByteEncoding.base64Decode(observation.signature) ?? []
                guard agentKey.isValidSignature(signature, for: try Canonical.bytes(of: observation.observation)) else {
                    await ledger.countBad(signature: true)
                    items.append(.init(id: id, accepted: false, reason: "bad signature"))
                    continue
                }
                if let text = observation.rootBytes {
                    let bytes = ByteEncoding.base64Decode(text) ?? []
                    if ByteEncoding.hexEncode(SHA256.hash(data: bytes)) != observation.observation.fingerprint?.sha256 {
                        await ledger.countBad(signature: false)
                    }
                }
                let duplicate = await ledger.record(id: id, observation)
                items.append(.init(id: id, accepted: true, duplicate: duplicate))
            }
            if let hold = await ledger.batchDone() { try await Task.sleep(for: hold) }
            return ObservationReceipt(items: items)
        }
        router.get("/v1/targets") { _, _ -> Response in
            let statuses = await ledger.targets.map {
                TargetStatus(spec: $0, status: .unobserved, pinned: nil, leading: nil, classification: nil, reasons: [], views: [])
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try Canonical.encode(statuses))))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-coordinator")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: requested)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        group = ServiceGroup(services: [app], logger: logger)
        let group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
        if port == 0 { throw TestFailure("fake coordinator did not start") }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
