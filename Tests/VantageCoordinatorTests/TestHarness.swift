import Foundation
import VantageTestSupport
import HTTPTypes
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ start: Timestamp = Timestamp(seconds: 1_780_000_000)) { millis = Mutex(start.seconds * 1000) }

    var now: Timestamp { Timestamp(seconds: millis.withLock { $0 } / 1000) }
    func advance(seconds: Int64) { millis.withLock { $0 += seconds * 1000 } }

    var coordinatorClock: CoordinatorClock {
        CoordinatorClock(now: { [self] in now }, nowMillis: { [self] in millis.withLock { $0 } })
    }
}

/// A test agent: an id, a region and a fresh key.
final class TestAgent: Sendable {
    let id: String
    let region: String
    let identity = SigningIdentity()
    let sequence = Mutex<Int64>(0)

    init(_ id: String, _ region: String) {
        self.id = id
        self.region = region
    }

    var enrollment: AgentEnrollment { AgentEnrollment(id: id, region: region, publicKey: identity.publicKey) }

    /// A signed observation of `root` (or of `error`) for `target`, fetched from `url`, at `at`, with the agent's
    /// verdict `continuity` (success only).
    func observe(
        _ target: String, kind: TargetSpec.Kind = .tuf, gun: String? = nil, url: String = "https://tuf.example.test",
        root: [UInt8]? = nil, error: ObservationError? = nil, at: Timestamp, continuity: Continuity = .firstSight,
        sendBytes: Bool = true
    ) throws -> SignedObservation {
        let next = sequence.withLock { value -> Int64 in
            value += 1
            return value
        }
        var observation = Observation(
            agent: id, region: region, target: target, source: RepositorySource(kind: kind, url: url, gun: gun)!, observedAt: at,
            sequence: next, latencyMilliseconds: 12, error: error)
        if let root {
            observation.continuity = continuity
            let parsed = try Root.parse(root)
            observation.fingerprint = RootFingerprint(parsed)
            observation.selfSignature = SelfSignature(RootVerifier.selfCheck(parsed))
        }
        return try SignedObservation(signing: observation, with: identity, rootBytes: sendBytes ? root : nil)
    }
}

/// Fresh roots of one TUF repository (a ``RootFixture`` of Ed25519 keys, threshold 2) as document bytes by version,
/// expiring a year after the ``ManualClock``'s start.
struct TestRepository {
    private var fixture: RootFixture
    /// The root keys (a test replaces some to rotate).
    var keys: [RootSigningKey] {
        get { fixture.keys }
        set { fixture.keys = newValue }
    }

    init(keys count: Int = 3) throws {
        fixture = try RootFixture(keys: count, expires: Date(timeIntervalSince1970: 1_780_000_000 + 365 * 86_400))
    }

    /// Version `version` signed by the first two root keys (plus `extraSigners`).
    func root(version: Int, keys: [RootSigningKey]? = nil, extraSigners: [RootSigningKey] = [], expires: Date? = nil) throws -> [UInt8] {
        try fixture.document(version: version, keys: keys, signers: Array((keys ?? self.keys).prefix(2)) + extraSigners, expires: expires)
    }
}

/// An approver with a fresh key.
struct TestApprover {
    let id: String
    let identity = SigningIdentity()

    init(_ id: String = "approver-1") { self.id = id }

    var key: ApproverKey { ApproverKey(id: id, publicKey: identity.publicKey) }

    /// The body of `POST /v1/targets/{id}/approve` for `sha256` of `target` at `source`.
    func approve(_ target: String, source: RepositorySource, sha256: String, at: Timestamp) throws -> ApproveRequest {
        ApproveRequest(
            sha256: sha256, approval: try Approval(approver: id, target: target, source: source, sha256: sha256, at: at, identity: identity))
    }
}

/// A coordinator in a temporary directory with three agents (eu, us, ap) and helpers to talk to it.
final class TestCoordinator: Sendable {
    let directory: String
    let ownsDirectory: Bool
    let clock: ManualClock
    let agents: [TestAgent]
    /// The configured approver (`approvers` of the coordinator).
    let approver: TestApprover
    let configuration: CoordinatorConfiguration
    let coordinator: Coordinator
    static let adminToken = "admin-token-0123456789abcdef"

    /// - Parameter reusing: a coordinator whose directory, agents and clock to reuse (a restart); the first owner
    ///   removes the directory.
    init(
        targets: [TargetSpec] = [TargetSpec(id: "example.test/app", kind: .tuf, url: "https://tuf.example.test")],
        reusing previous: TestCoordinator? = nil, alertPollInterval: Duration = .seconds(1), logger: Logger? = nil,
        configure: (inout CoordinatorConfiguration) -> Void = { _ in }
    ) async throws {
        if let previous {
            directory = previous.directory
            clock = previous.clock
            agents = previous.agents
            approver = previous.approver
            ownsDirectory = false
        } else {
            directory = try Scratch("vantage-coord").path
            _ = try Keygen.create(at: directory + "/coordinator.key")
            clock = ManualClock()
            agents = [TestAgent("agent-eu", "eu"), TestAgent("agent-us", "us"), TestAgent("agent-ap", "ap")]
            approver = TestApprover()
            ownsDirectory = true
        }
        var configuration = CoordinatorConfiguration()
        configuration.listenPort = 0
        configuration.stateDirectory = directory
        configuration.adminTokens = [Self.adminToken]
        configuration.agents = agents.map(\.enrollment)
        configuration.targets = targets
        configuration.approvers = [approver.key]
        configuration.consensus = ConsensusPolicy(
            quorum: 2, minRegions: 2, maxAgeSeconds: 1800, maxDissent: 0,
            minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0), unchained: .approve, expiryWarningDays: 30)
        configuration.synchronousFull = false
        // Rounds run when the test calls evaluateNow(); background rounds only at start.
        configuration.consensusIntervalSeconds = 3600
        configuration.consensusDebounceMilliseconds = 600_000
        configure(&configuration)
        self.configuration = configuration
        var quiet = Logger(label: "test")
        quiet.logLevel = .warning
        coordinator = try await buildCoordinator(
            configuration: configuration,
            dependencies: .init(clock: clock.coordinatorClock, logger: logger ?? quiet, alertPollInterval: alertPollInterval))
    }

    deinit { if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) } }

    var now: Timestamp { clock.now }

    func count(_ table: String) async throws -> Int {
        try await coordinator.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }
}

extension TestClientProtocol {
    /// POSTs a batch and decodes the receipt (expects 200).
    func submit(_ observations: [SignedObservation]) async throws -> ObservationReceipt {
        try await execute(
            uri: APIPath.observations, method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: try Canonical.encode(ObservationBatch(observations: observations)))
        ) { response in
            guard response.status == .ok else { throw TestFailure("observations: HTTP \(response.status) \(String(buffer: response.body))") }
            return try Canonical.decode(ObservationReceipt.self, from: response.body.readableBytesView)
        }
    }

    func get<T: Decodable>(_ type: T.Type, _ uri: String) async throws -> T {
        try await execute(uri: uri, method: .get) { response in
            guard response.status == .ok else { throw TestFailure("GET \(uri): HTTP \(response.status) \(String(buffer: response.body))") }
            return try Canonical.decode(T.self, from: response.body.readableBytesView)
        }
    }

    func admin(_ method: HTTPRequest.Method, _ uri: String, body: some Encodable) async throws -> HTTPResponse.Status {
        try await execute(
            uri: uri, method: method,
            headers: [.authorization: "Bearer \(TestCoordinator.adminToken)", .contentType: "application/json"],
            body: ByteBuffer(bytes: try Canonical.encode(body))
        ) { $0.status }
    }
}

extension Result where Failure == PinListVerifier.Failure {
    /// The rule that refused, or `nil` when verified.
    var refusal: String? {
        if case .failure(let failure) = self { return failure.rule }
        return nil
    }
}
