import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VantageCore

/// HTTP client for the coordinator API (``APIPath``), used by agents and the CLI.
public struct CoordinatorClient: Sendable {
    public let baseURL: String
    let token: String?
    let http: HTTPClient
    let limits: HTTPLimits

    /// - Parameters:
    ///   - baseURL: e.g. `https://vantage.example.org:8443` (no trailing slash needed).
    ///   - token: admin bearer token, for admin calls.
    ///   - http: a shared client (the caller owns its lifecycle).
    public init(baseURL: String, token: String? = nil, http: HTTPClient, limits: HTTPLimits = .init()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
        self.limits = limits
    }

    // MARK: Agent API

    public func submit(_ batch: ObservationBatch) async throws -> ObservationReceipt {
        try await json(.POST, APIPath.observations, body: batch)
    }

    // MARK: Pins

    public func pinList(version: Int64) async throws -> PinList {
        try await json(.GET, "\(APIPath.pins)/\(version)")
    }

    /// The signed header of list `version` (`nil` = latest).
    /// At most ``HTTPLimits/maxHeaderBytes``: a header is verified before anything else is fetched.
    public func header(version: Int64?) async throws -> SignedPinListHeader {
        let path = "\(APIPath.pins)/\(version.map(String.init) ?? "latest")/header"
        return try decode(SignedPinListHeader.self, try await send(.GET, path, maxBytes: HTTPLimits.maxHeaderBytes).body)
    }

    /// One pin with its inclusion proof.
    public func pinProof(target: String, version: Int64? = nil) async throws -> PinProof {
        try await json(.GET, "\(APIPath.pins)/\(version.map(String.init) ?? "latest")/targets/\(APIPath.segment(target))")
    }

    /// Exact root bytes by SHA-256 (the caller checks the hash).
    public func blob(sha256: String) async throws -> [UInt8] {
        try await send(.GET, "\(APIPath.blobs)/\(sha256)").body
    }

    // MARK: Queries

    public func targets() async throws -> [TargetStatus] { try await json(.GET, APIPath.targets) }
    public func target(_ id: String) async throws -> TargetStatus { try await json(.GET, "\(APIPath.targets)/\(APIPath.segment(id))") }
    public func history(_ id: String) async throws -> TargetHistory {
        try await json(.GET, "\(APIPath.targets)/\(APIPath.segment(id))/history")
    }
    public func agents() async throws -> [AgentStatus] { try await json(.GET, APIPath.agents) }
    public func events(after cursor: Int64, limit: Int = 100) async throws -> EventPage {
        try await json(.GET, "\(APIPath.events)?after=\(cursor)&limit=\(limit)")
    }
    public func status() async throws -> CoordinatorStatus { try await json(.GET, APIPath.status) }
    public func policy() async throws -> TrustPolicy { try await json(.GET, APIPath.policy) }

    // MARK: Admin

    public func addTarget(_ spec: TargetSpec) async throws {
        _ = try await send(.POST, APIPath.targets, body: try Canonical.encode(spec), accept: [200, 201, 204])
    }

    public func removeTarget(_ id: String) async throws {
        _ = try await send(.DELETE, "\(APIPath.targets)/\(APIPath.segment(id))", accept: [200, 204])
    }

    /// Sends an approver's signed approval.
    public func approve(target: String, sha256: String, approval: Approval, note: String? = nil) async throws {
        _ = try await send(
            .POST, "\(APIPath.targets)/\(APIPath.segment(target))/approve",
            body: try Canonical.encode(ApproveRequest(sha256: sha256, approval: approval, note: note)), accept: [200, 201, 204])
    }

    /// The stored approvals of a target's current source (agents verify them against their own approver keys).
    public func approvals(_ id: String) async throws -> ApprovalSet {
        try await json(.GET, "\(APIPath.targets)/\(APIPath.segment(id))/approvals")
    }

    public func enroll(_ agent: AgentEnrollment) async throws {
        _ = try await send(.POST, APIPath.agents, body: try Canonical.encode(agent), accept: [200, 201, 204])
    }

    /// Removes an agent from consensus and exported policies (admin).
    public func removeAgent(_ id: String) async throws {
        _ = try await send(.DELETE, "\(APIPath.agents)/\(APIPath.segment(id))", accept: [200, 204])
    }

    /// Open alerts with their acknowledgements.
    public func alerts() async throws -> [AlertEntry] { try await json(.GET, APIPath.alerts) }

    /// Acknowledges an open alert by its event id (admin).
    public func acknowledge(alert id: String, note: String?) async throws -> AlertAcknowledgement {
        try await json(.POST, "\(APIPath.alerts)/\(APIPath.segment(id))/ack", body: AcknowledgeRequest(note: note))
    }

    public func sendTestAlert() async throws {
        _ = try await send(.POST, APIPath.alertsTest, accept: [200, 202, 204])
    }

    // MARK: Transport

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    func json<T: Decodable>(_ method: HTTPMethod, _ path: String) async throws -> T {
        try decode(T.self, try await send(method, path).body)
    }

    func json<T: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable) async throws -> T {
        try decode(T.self, try await send(method, path, body: try Canonical.encode(body)).body)
    }

    /// An HTTP refusal in words: the URL requested, the coordinator's own reason (its JSON error body
    /// `{"error", "reason"}`), and for a refused admin token what to do.
    static func describe(status: Int, method: HTTPMethod, url: String, body: [UInt8]) -> String {
        let fields = (try? JSONDecoder().decode([String: String].self, from: Data(body.prefix(4096)))) ?? [:]
        let reason = fields["reason"] ?? fields["error"]
            ?? String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let said = reason.isEmpty ? "HTTP \(status)" : "\(reason.prefix(300)) (HTTP \(status))"
        if (status == 401 || status == 403), reason.contains("token") {
            return "\(method) \(url): \(said); pass --token or set VANTAGE_TOKEN to one of the coordinator's admin.tokens"
        }
        return "\(method) \(url): \(said)"
    }

    /// The `https://` form of an `http://` base URL when a TLS handshake with the same host and port succeeds (a
    /// certificate this machine does not trust still proves the port speaks TLS); `nil` otherwise. Asked only after a
    /// plain-HTTP request got no HTTP answer, to say what is wrong instead of "connection closed".
    func httpsIfTLS() async -> String? {
        guard baseURL.lowercased().hasPrefix("http://") else { return nil }
        let https = "https://" + baseURL.dropFirst("http://".count)
        do {
            _ = try await Deadline.run(.seconds(5)) { [http] in try await http.execute(HTTPClientRequest(url: https + "/"), timeout: .seconds(5)) }
            return https
        } catch {
            // Only a certificate complaint proves a handshake got that far; a closed connection proves nothing.
            let failure = TransportFailure(error)
            return failure.kind == .tls && failure.cause.contains("certificate") ? https : nil
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        do {
            return try Canonical.decode(T.self, from: body)
        } catch {
            throw ClientError(.malformed, "\(baseURL) did not answer with a Vantage \(T.self) (is it a Vantage coordinator of this version?)")
        }
    }

    /// One exchange, connection to last byte within ``HTTPLimits/timeoutSeconds`` (the request is cancelled when it
    /// passes, however slowly bytes still arrive), the body at most `maxBytes` (default ``HTTPLimits/maxResponseBytes``).
    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, accept: Set<Int> = [200],
        maxBytes: Int? = nil
    ) async throws -> Response {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "vantage/\(VantageRelease.version)")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let limit = min(maxBytes ?? limits.maxResponseBytes, limits.maxResponseBytes)
        let seconds = limits.timeoutSeconds
        let response: Response
        do {
            response = try await Deadline.run(.seconds(seconds)) { [http, request] in
                let answer = try await http.execute(request, timeout: .seconds(seconds))
                if let length = answer.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                    throw ClientError(.tooLarge, "\(request.url): Content-Length \(length) above \(limit)")
                }
                var bytes = try await answer.body.collect(upTo: limit)
                return Response(status: Int(answer.status.code), body: bytes.readBytes(length: bytes.readableBytes) ?? [])
            }
        } catch let error as ClientError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ClientError(.tooLarge, "\(baseURL + path): answer above \(limit) bytes")
        } catch let error as Deadline.Exceeded {
            throw ClientError(.transport, "\(baseURL + path): \(error) (is the server up, and not sending slowly?)")
        } catch {
            if TransportFailure.isNotHTTPAnswer(error), let https = await httpsIfTLS() {
                throw ClientError(.transport, "\(baseURL): the server speaks TLS on that port, not plain HTTP (use \(https))")
            }
            throw ClientError(.transport, "\(baseURL): \(TransportFailure(error, plainHTTP: baseURL.lowercased().hasPrefix("http://")))")
        }
        guard accept.contains(response.status) else {
            throw ClientError(.httpStatus, Self.describe(status: response.status, method: method, url: baseURL + path, body: response.body),
                              status: response.status)
        }
        return response
    }
}

/// Version string sent as User-Agent.
