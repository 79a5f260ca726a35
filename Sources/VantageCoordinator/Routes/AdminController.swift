import Hummingbird
import VantageCore
import VantageTUF

/// Admin routes (bearer token, whose name each action records): add targets, enrol and remove agents, acknowledge
/// alerts, send a test alert. Per-target admin actions (remove,
/// approve) are dispatched by ``TargetRoutes``.
struct AdminController: Sendable {
    let auth: AdminAuth
    let registry: RegistryStore
    let events: EventStore
    let consensus: ConsensusService
    let alerts: Trigger
    let channels: [String]
    let clock: CoordinatorClock
    let bodyTimeout: Duration
    let approvers: [ApproverKey]
    let immutableTags: ImmutableTags

    static let bodyLimit = 64 << 10

    func add(to router: Router<BasicRequestContext>) {
        router.post(RouterPath(APIPath.targets)) { request, _ in
            let by = try auth.check(request)
            let spec = immutableTags.applied(
                to: try await JSONResponse.decode(TargetSpec.self, from: request, limit: Self.bodyLimit, timeout: bodyTimeout))
            if let problem = spec.problem { throw CoordinatorError(.malformedRequest, problem) }
            let outcome = try await registry.add(spec, now: clock.now, allowSourceChange: false)
            consensus.targetsChanged()
            switch outcome {
            case .unchanged: break
            case .policyChanged: try await record(target: spec.id, by: by, "target \(spec.id) changes set to \(spec.changePolicy.rawValue) by \(by)")
            default: try await record(target: spec.id, by: by, "target \(spec.id) added by \(by): \(spec.source?.description ?? spec.url)")
            }
            consensus.signal()
            return try JSONResponse.make(spec, status: outcome == .unchanged ? .ok : .created)
        }
        router.post(RouterPath(APIPath.agents)) { request, _ in
            let by = try auth.check(request)
            let agent = try await JSONResponse.decode(AgentEnrollment.self, from: request, limit: Self.bodyLimit, timeout: bodyTimeout)
            if let problem = AgentEnrollment.problem(id: agent.id, region: agent.region) {
                throw CoordinatorError(.malformedRequest, problem)
            }
            try await registry.enroll(agent, now: clock.now, by: by, channels: channels)
            consensus.signal()
            alerts.fire()
            return try JSONResponse.make(agent, status: .created)
        }
        router.delete("\(APIPath.agents)/**") { request, _ in
            let by = try auth.check(request)
            let id = try TargetPath(path: request.uri.path, prefix: APIPath.agents + "/", actions: []).id
            guard try await registry.remove(agent: id, by: by, now: clock.now, channels: channels) else {
                throw CoordinatorError(.notFound, "no enrolled agent \(id)")
            }
            consensus.signal()
            alerts.fire()
            return Response(status: .noContent)
        }
        router.post("\(APIPath.alerts)/**") { request, _ in
            let by = try auth.check(request)
            let path = try TargetPath(path: request.uri.path, prefix: APIPath.alerts + "/", actions: ["ack"])
            guard path.action == "ack" else { throw CoordinatorError(.notFound, "no such route") }
            let body = try await JSONResponse.decode(AcknowledgeRequest.self, from: request, limit: Self.bodyLimit, timeout: bodyTimeout)
            let now = clock.now
            guard try await events.acknowledge(path.id, by: by, note: body.note, now: now) else {
                throw CoordinatorError(.notFound, "no event \(path.id)")
            }
            return try JSONResponse.make(AlertAcknowledgement(by: by, at: now, note: body.note))
        }
        router.post(RouterPath(APIPath.alertsTest)) { request, _ in
            try auth.check(request)
            let now = clock.now
            let event = VantageEvent(
                id: ConsensusEvents.eventID(target: "test", kind: .test, now: now, digest: String(clock.nowMillis) + String(UInt64.random(in: 0...UInt64.max))),
                kind: .test, severity: .info, target: nil, at: now, message: "test alert from the Vantage coordinator")
            _ = try await events.insert([event], channels: channels, nowMillis: clock.nowMillis)
            alerts.fire()
            return try JSONResponse.make(event, status: .accepted)
        }
    }

    /// Records an admin action as an event naming the token that made it (`vantage events`).
    func record(target: String, by: String, _ message: String) async throws {
        let now = clock.now
        let event = VantageEvent(
            id: ConsensusEvents.eventID(target: target, kind: .adminAction, now: now, digest: message), kind: .adminAction, severity: .info,
            target: target, at: now, message: message, details: ["by": by])
        _ = try await events.insert([event], channels: channels, nowMillis: clock.nowMillis)
        alerts.fire()
    }

    /// `DELETE /v1/targets/{id}`.
    func remove(_ request: Request, id: String) async throws -> Response {
        let by = try auth.check(request)
        guard try await registry.remove(target: id, now: clock.now) else { throw CoordinatorError(.notFound, "unknown target") }
        try await consensus.removed(target: id)
        try await record(target: id, by: by, "target \(id) removed by \(by)")
        consensus.signal()
        return Response(status: .noContent)
    }

    /// `POST /v1/targets/{id}/approve`: an approver's signed approval (it may precede the digest's appearance).
    /// The admin token lets the request in; only a valid signature by a configured approver makes it count.
    func approve(_ request: Request, id: String) async throws -> Response {
        let by = try auth.check(request)
        let body = try await JSONResponse.decode(ApproveRequest.self, from: request, limit: Self.bodyLimit, timeout: bodyTimeout)
        guard ByteEncoding.isSHA256Hex(body.sha256) else {
            throw CoordinatorError(.malformedRequest, "sha256 must be 64 lowercase hex digits")
        }
        guard let spec = registry.directory.target(id), let source = spec.source else { throw CoordinatorError(.notFound, "unknown target") }
        let valid = ApprovalVerifier.valid(
            [body.approval], target: id, source: source, sha256: body.sha256, approvers: approvers, notAfter: clock.now.adding(seconds: ConsensusPolicy.skewSeconds))
        guard valid.approvers.count == 1 else {
            throw CoordinatorError(.unauthorized,
                "approval does not verify: \(valid.rejected.first ?? "unknown approver") (approvals are signed over the target, its source \(source) and the digest)")
        }
        try await registry.approve(target: id, source: source, sha256: body.sha256, approval: body.approval, note: body.note, now: clock.now)
        try await record(target: id, by: by, "approval of \(body.sha256.prefix(16)) by approver \(body.approval.approver) submitted by \(by)")
        consensus.signal()
        return try JSONResponse.make(body, status: .created)
    }
}
