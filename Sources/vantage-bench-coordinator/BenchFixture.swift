import Foundation
import VantageCoordinator
import VantageCore
import VantageTUF

/// A bench agent: an id, a region and a fresh signing key.
struct BenchAgent: Sendable {
    let id: String
    let region: String
    let identity = SigningIdentity()

    /// `count` agents `agent-N` in five regions (`region-(N mod 5)`).
    static func fleet(_ count: Int) -> [BenchAgent] {
        (0..<count).map { BenchAgent(id: "agent-\($0)", region: "region-\($0 % 5)") }
    }

    /// The enrollment a coordinator configuration lists for this agent.
    var enrollment: AgentEnrollment { AgentEnrollment(id: id, region: region, publicKey: identity.publicKey) }
}

/// The source of bench target `id` (`bench/target-N` → `https://tuf.example.test/N`).
func benchSource(_ id: String) -> RepositorySource {
    RepositorySource(kind: .tuf, normalisedURL: "https://tuf.example.test/" + id.dropFirst("bench/target-".count), gun: nil)
}

/// Bench target `bench/target-N`: a TUF repository at its ``benchSource(_:)``; with `mixed` (`--scale … --mixed`), a
/// third each of TUF roots, image tags (`registry.example.test/bench/target-N:v1`) and files
/// (`https://keys.example.test/N.pub`). Content targets follow changes: a moved tag or changed file is pinned at once,
/// as a re-signed root is, so the rounds after changes measure the same work for every kind.
func benchTarget(_ index: Int, mixed: Bool = false) -> TargetSpec {
    let id = "bench/target-\(index)"
    switch mixed ? index % 3 : 0 {
    case 1: return TargetSpec(id: id, kind: .oci, url: "https://registry.example.test", repository: id, tag: "v1", changes: .follow)
    case 2: return TargetSpec(id: id, kind: .file, url: "https://keys.example.test/\(index).pub", changes: .follow)
    default: return TargetSpec(id: id, kind: .tuf, url: benchSource(id).url)
    }
}

/// Targets `bench/target-0` … `bench/target-(count - 1)` (``benchTarget(_:mixed:)``).
func benchTargets(_ count: Int, mixed: Bool = false) -> [TargetSpec] {
    (0..<count).map { benchTarget($0, mixed: mixed) }
}

/// Agents that all report one TUF root (version 1, threshold 2 of 3 root keys), signed at start-up.
struct BenchFixture: Sendable {
    let agents: [BenchAgent]
    let root: [UInt8]
    let fingerprint: RootFingerprint
    /// The instant the standard benchmarks observe at.
    let now = Timestamp(Date())

    init(agents: [BenchAgent]) throws {
        self.agents = agents
        let keys = try (0..<3).map { _ in try RootSigningKey.generate(.ed25519) }
        let builder = RootDocumentBuilder(
            dialect: .tuf, version: 1, expires: Date().addingTimeInterval(365 * 86_400), rootKeys: keys, rootThreshold: 2,
            onlineKey: try RootSigningKey.generate(.ed25519))
        root = try builder.document(signedBy: Array(keys.prefix(2)))
        fingerprint = RootFingerprint(try Root.parse(root))
    }

    /// `agent`'s signed observation of the root on `target`.
    func signedObservation(_ agent: BenchAgent, target: String, at: Timestamp, sequence: Int64) throws -> SignedObservation {
        let observation = Observation(
            agent: agent.id, region: agent.region, target: target, source: benchSource(target), observedAt: at, sequence: sequence,
            latencyMilliseconds: 40, fingerprint: fingerprint, continuity: .firstSight)
        return try SignedObservation(signing: observation, with: agent.identity)
    }

    /// Every agent's signed statement for the root on each of `targets` targets, committed as ingest would: the
    /// next consensus round pins them all.
    func commitAgreement(_ coordinator: Coordinator, targets: Int) async throws {
        let store = IngestStore(database: coordinator.database)
        var chunk: [VerifiedObservation] = []
        for target in 0..<targets {
            for agent in agents {
                let statement = AttestationStatement(
                    agent: agent.id, target: "bench/target-\(target)", source: benchSource("bench/target-\(target)"),
                    sha256: fingerprint.sha256, observedAt: now, continuity: .firstSight)
                chunk.append(VerifiedObservation(
                    id: "\(agent.id)/\(target)", agent: agent.id, target: statement.target, observedAt: now, outcome: fingerprint.sha256,
                    attestationSignature: ByteEncoding.base64Encode(try agent.identity.sign(try statement.signingBytes)),
                    continuity: .firstSight, rootBytes: chunk.isEmpty ? (fingerprint.sha256, root) : nil))
            }
            if chunk.count >= 10_000 {
                _ = try await store.commit(chunk, now: now, maxAgeSeconds: 1800)
                chunk.removeAll()
            }
        }
        _ = try await store.commit(chunk, now: now, maxAgeSeconds: 1800)
    }
}
