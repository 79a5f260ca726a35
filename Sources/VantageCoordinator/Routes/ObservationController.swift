import Hummingbird
import Logging
import VantageCore

/// `POST /v1/observations`: verifies each signed observation and commits the accepted ones in one write
/// transaction before answering (acknowledged = durably committed). The agent's signature is the only
/// authentication.
struct ObservationController: Sendable {
    let directory: Directory
    let store: IngestStore
    let limits: CoordinatorConfiguration.Ingest
    let clock: CoordinatorClock
    let consensus: ConsensusService
    let metrics: CoordinatorMetrics
    let bodyTimeout: Duration

    func add(to router: Router<BasicRequestContext>) {
        router.post(RouterPath(APIPath.observations)) { request, context in try await ingest(request, context) }
    }

    func ingest(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let batch = try await JSONResponse.decode(
            ObservationBatch.self, from: request, limit: limits.maxBodyBytes, timeout: bodyTimeout)
        let started = ContinuousClock.now
        let check = ObservationCheck(directory: directory.contents, limits: limits, now: clock.now)
        var items: [ObservationReceipt.Item] = []
        var verified: [VerifiedObservation] = []
        var seen = Set<String>()
        for signed in batch.observations {
            let (id, result) = check.check(signed)
            switch result {
            case .success(let observation):
                // An id repeated inside one batch is stored once; later copies are duplicates.
                let first = seen.insert(id).inserted
                if first { verified.append(observation) }
                items.append(.init(id: id, accepted: true, duplicate: !first))
            case .failure(let rejection):
                metrics.rejected(reason: rejection.code)
                context.logger.info(
                    "observation rejected",
                    metadata: ["observation.id": "\(id)", "reason": "\(rejection.code)", "vantage.id": "\(signed.observation.agent.prefix(100))"])
                items.append(.init(id: id, accepted: false, reason: rejection.reason))
            }
        }
        let duplicates = try await store.commit(
            verified, now: clock.now, maxAgeSeconds: consensus.configuration.consensus.maxAgeSeconds)
        for index in items.indices where items[index].accepted && duplicates.contains(items[index].id) {
            items[index].duplicate = true
        }
        let fresh = items.filter { $0.accepted && !$0.duplicate }.count
        metrics.ingested(accepted: fresh, duplicates: items.filter(\.duplicate).count, duration: ContinuousClock.now - started)
        if fresh > 0 { consensus.signal() }
        return try JSONResponse.make(ObservationReceipt(items: items))
    }
}
