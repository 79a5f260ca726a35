import Hummingbird
import VantageCore
import VantageTUF

/// Read-only routes for the CLI: targets, history, agents, events, status, the client trust policy and blobs.
struct QueryController: Sendable {
    let queries: QueryStore
    let events: EventStore
    let pinLists: PinListCache
    let configuration: CoordinatorConfiguration
    let identity: SigningIdentity
    let clock: CoordinatorClock
    let directory: Directory

    func add(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(APIPath.targets)) { _, _ in try JSONResponse.make(try await targets(only: nil)) }
        router.get(RouterPath(APIPath.agents)) { _, _ in
            try JSONResponse.make(try await queries.agents(now: clock.now, maxAgeSeconds: configuration.consensus.maxAgeSeconds))
        }
        router.get(RouterPath(APIPath.events)) { request, _ in
            let after = try Self.integer(request, "after", default: 0, range: 0...Int64.max)
            let limit = try Self.integer(request, "limit", default: 100, range: 1...1000)
            return try JSONResponse.make(try await events.page(after: after, limit: Int(limit)))
        }
        router.get(RouterPath(APIPath.status)) { _, _ in try JSONResponse.make(try await status()) }
        router.get(RouterPath(APIPath.alerts)) { _, _ in try JSONResponse.make(try await alerts()) }
        router.get(RouterPath(APIPath.policy)) { _, _ in
            try JSONResponse.make(
                try await queries.trustPolicy(
                    identity: identity, consensus: configuration.consensus, approvals: configuration.approvals,
                    minPinListVersion: pinLists.latest?.version ?? 0))
        }
        router.get("\(APIPath.blobs)/:hex") { _, context in
            let hex = context.parameters.get("hex") ?? ""
            guard ByteEncoding.isSHA256Hex(hex) else { throw CoordinatorError(.malformedRequest, "blob name must be 64 lowercase hex digits") }
            guard let bytes = try await queries.blob(hex) else { throw CoordinatorError(.notFound, "no blob \(hex)") }
            var headers = HTTPFields()
            headers[.eTag] = "\"\(hex)\""
            headers[.cacheControl] = "public, max-age=31536000, immutable"
            return JSONResponse.bytes(bytes, headers: headers)
        }
    }

    /// `GET /v1/targets/{id}/approvals`: what agents check against their own approver keys.
    func approvals(_ id: String) async throws -> Response {
        guard let spec = directory.target(id), let set = try await queries.approvals(spec) else {
            throw CoordinatorError(.notFound, "unknown target")
        }
        return try JSONResponse.make(set)
    }

    /// `GET /v1/targets/{id}` and `GET /v1/targets/{id}/history` (dispatched by ``TargetRoutes``).
    func target(_ id: String, history: Bool) async throws -> Response {
        if history {
            guard let history = try await queries.history(id, quorum: configuration.consensus.quorum) else { throw CoordinatorError(.notFound, "unknown target") }
            return try JSONResponse.make(history)
        }
        guard let status = try await targets(only: id).first else { throw CoordinatorError(.notFound, "unknown target") }
        return try JSONResponse.make(status)
    }

    func targets(only id: String?) async throws -> [TargetStatus] {
        let latest = pinLists.latest
        return try await queries.targets(only: id) { target in latest?.sha256(for: target) }
    }

    func status() async throws -> CoordinatorStatus {
        let counts = try await queries.counts()
        let latest = pinLists.latest
        return CoordinatorStatus(
            coordinatorKeyID: identity.publicKey.keyID, pinListVersion: latest?.version,
            pinListExpires: latest?.header.signed.expires, agents: counts.agents, silentAgents: counts.silentAgents,
            targets: counts.targets, openAlerts: try await alerts().filter { $0.acknowledged == nil }.map(\.event))
    }

    /// The open alerts — each alert key whose latest event opens it, not a `recovered` resolving it — newest first,
    /// with their acknowledgements (`GET /v1/alerts`). Notices (events without an alert key) are never open.
    func alerts() async throws -> [AlertEntry] {
        let acknowledged = try await events.acknowledgements()
        return try await events.openAlerts(limit: 500).map { AlertEntry(event: $0, acknowledged: acknowledged[$0.id]) }
    }

    static func integer(_ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw CoordinatorError(.malformedRequest, "query parameter \(name) must be an integer in \(range)")
        }
        return number
    }
}
