import Hummingbird
import Logging
import VantageCore

/// `POST /v1/observations`: verifies each signed observation and commits the accepted ones in one write
/// transaction before answering (acknowledged = durably committed). The agent's signature is the only
/// authentication, so anyone may send a batch: it is scanned as it arrives (``IngestBody``), a batch whose first
/// observation is not shown to come from an enrolled agent is answered from that one without reading the rest, one
/// over ``CoordinatorConfiguration/Ingest/maxBatchObservations`` is refused before it is decoded, one not written as
/// agents write a batch is refused (400) before it is decoded, and later in a batch the first such observation ends
/// it (the rest are left out of the receipt, and an agent sends them again): junk costs at most one signature check
/// per request, and so does one genuine observation repeated (copies get the first one's verdict).
struct ObservationController: Sendable {
    let directory: Directory
    let store: IngestStore
    let limits: CoordinatorConfiguration.Ingest
    let clock: CoordinatorClock
    let consensus: ConsensusService
    let metrics: CoordinatorMetrics
    let bodyTimeout: Duration
    let rejections: RejectionLog

    func add(to router: Router<BasicRequestContext>) {
        router.post(RouterPath(APIPath.observations)) { request, context in try await ingest(request, context) }
    }

    func ingest(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let check = ObservationCheck(directory: directory.contents, limits: limits, now: clock.now)
        // Read while scanning: a batch over the count limit, or whose first observation is junk, is not read further.
        let body = try await JSONResponse.read(
            request, limit: limits.maxBodyBytes, timeout: bodyTimeout,
            into: IngestBody(check: check, maxObservations: limits.maxBatchObservations)
        ) { $0.feed($1) }
        let head = body.head
        if head?.1.signatureChecked == true { metrics.signatureChecked(1) }
        guard body.scan.count <= limits.maxBatchObservations else { throw refuse() }
        // Not written as an agent writes a batch: refused unread and undecoded (the scan could not count it).
        guard !body.scan.malformed, body.scan.hasArray else {
            return try malformed(request, context, unread: body.stopped)
        }
        let observations: [SignedObservation]
        if let (signed, _) = head, body.stoppedAtUnauthenticated {
            observations = [signed]
        } else {
            observations = try JSONResponse.decode(ObservationBatch.self, from: body.bytes).observations
            // The scan and the decoder must agree, or the limits the scan enforced were not the batch's.
            guard observations.count == body.scan.count else { return try malformed(request, context, unread: false) }
        }
        let started = ContinuousClock.now
        var items: [ObservationReceipt.Item] = []
        var verified: [VerifiedObservation] = []
        var seen = Set<String>()
        var verdicts: [String: ObservationCheck.Verdict] = [:]
        var signatureChecks = 0
        for (index, signed) in observations.enumerated() {
            let reused = index == 0 ? head.flatMap { $0.0 == signed ? $0.1 : nil } : nil
            let verdict = reused ?? check.check(signed, earlier: verdicts)
            if reused == nil, verdict.signatureChecked { signatureChecks += 1 }
            if verdicts[verdict.id] == nil { verdicts[verdict.id] = verdict }
            switch verdict.result {
            case .success(let observation):
                // An id repeated inside one batch is stored once; later copies are duplicates.
                let first = seen.insert(verdict.id).inserted
                if first { verified.append(observation) }
                items.append(.init(id: verdict.id, accepted: true, duplicate: !first))
            case .failure(let rejection):
                metrics.rejected(reason: rejection.code)
                rejections.rejected(
                    rejection.code, "observation rejected",
                    metadata: ["observation.id": "\(verdict.id)", "vantage.id": "\(signed.observation.agent.prefix(100))", "detail": "\(rejection.detail.prefix(300))"])
                items.append(.init(id: verdict.id, accepted: false, reason: rejection.reason))
            }
            if case .failure(let rejection) = verdict.result, rejection.unauthenticated {
                if items.count < body.scan.count { metrics.refusedBatch(reason: "unauthenticated") }
                break
            }
        }
        metrics.signatureChecked(signatureChecks)
        let duplicates = try await store.commit(
            verified, now: clock.now, maxAgeSeconds: consensus.configuration.consensus.maxAgeSeconds)
        for index in items.indices where items[index].accepted && duplicates.contains(items[index].id) {
            items[index].duplicate = true
        }
        let fresh = items.filter { $0.accepted && !$0.duplicate }.count
        metrics.ingested(accepted: fresh, duplicates: items.filter(\.duplicate).count, duration: ContinuousClock.now - started)
        if fresh > 0 { consensus.signal() }
        // The rest of a batch left unread is not read: the connection closes (ConnectionGuard).
        return try JSONResponse.make(ObservationReceipt(items: items), headers: body.stopped ? [.connection: "close"] : [:])
    }

    /// A body that is not an observation batch as agents write it: 400, and the connection closes when the rest of the
    /// body was left unread.
    private func malformed(_ request: Request, _ context: BasicRequestContext, unread: Bool) throws -> Response {
        let error = CoordinatorError(.malformedRequest, #"body is not a valid ObservationBatch: agents send {"observations": [ … ]}"#)
        var response = try error.response(from: request, context: context)
        if unread { response.headers[.connection] = "close" }
        return response
    }

    /// A batch over the count limit: counted, logged (rate-limited) and answered 413.
    private func refuse() -> CoordinatorError {
        metrics.refusedBatch(reason: "too_many_observations")
        rejections.rejected("too_many_observations", "observation batch refused", metadata: ["limit": "\(limits.maxBatchObservations)"])
        return CoordinatorError(
            .tooLarge,
            "batch of more than \(limits.maxBatchObservations) observations (ingest.max_batch_observations); lower the agent's spool.batch_size")
    }
}
