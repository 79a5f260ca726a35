import Crypto
import Foundation
import Logging
import Synchronization
import VantageCoordinator
import VantageCore
import VantageTUF

/// `--scale TARGETS AGENTS`: one coordinator (no HTTP) with TARGETS targets watched by AGENTS agents in 5 regions.
/// Prints: the first rounds (every target decided and pinned, every pin published); a round with nothing changed;
/// rounds after 10 and 1,000 targets changed root (a re-signed root, pinned at once); a refresh of every pin's
/// attestations with ingest commits running beside it (how long each waited); peak RSS and database bytes. Each
/// figure is printed beside the raw Ed25519 verify rate measured in the same run.
enum ScaleBenchmark {
    /// The agents, the roots they report (versions 1–3 under the same keys: each a re-signing of the one before), the
    /// content of `oci` and `file` targets in a mixed run (versions 1–3 of a manifest and of a key file) and the store
    /// observations are committed to.
    final class Fleet: Sendable {
        let agents: [BenchAgent]
        let roots: [[UInt8]]
        let fingerprints: [RootFingerprint]
        let store: IngestStore
        let maxAgeSeconds: Int64
        /// ``benchTarget(_:mixed:)``'s choice of kinds.
        let mixed: Bool
        /// Version v's bytes and SHA-256 by content kind.
        let content: [TargetSpec.Kind: [(sha256: String, bytes: [UInt8])]]
        private let serial = Mutex(0)

        init(agents: [BenchAgent], store: IngestStore, maxAgeSeconds: Int64, mixed: Bool = false) throws {
            self.agents = agents
            self.store = store
            self.maxAgeSeconds = maxAgeSeconds
            self.mixed = mixed
            func versions(_ text: (Int) -> String) -> [(sha256: String, bytes: [UInt8])] {
                (1...3).map { version in
                    let bytes = Array(text(version).utf8)
                    return (ByteEncoding.hexEncode(SHA256.hash(data: bytes)), bytes)
                }
            }
            content = [
                .oci: versions { #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"v":"\#($0)"}}"# },
                .file: versions { "bench key file, version \($0)\n" },
            ]
            let keys = try (0..<3).map { _ in try RootSigningKey.generate(.ed25519) }
            let online = try RootSigningKey.generate(.ed25519)
            roots = try (1...3).map { version in
                try RootDocumentBuilder(
                    dialect: .tuf, version: version, expires: Date().addingTimeInterval(365 * 86_400), rootKeys: keys, rootThreshold: 2,
                    onlineKey: online
                ).document(signedBy: Array(keys.prefix(2)))
            }
            fingerprints = try roots.map { RootFingerprint(try Root.parse($0)) }
        }

        /// Every agent's signed observation of `version` for each of `indices`, committed as ingest does. A content
        /// target's `.resigned` is reported as `.changed` (what its agents attest for other bytes).
        func observe(
            _ indices: some Sequence<Int>, version: Int, continuity: Continuity, at now: Timestamp = Timestamp(Date())
        ) async throws -> Int {
            var chunk: [VerifiedObservation] = []
            var count = 0
            var sent: Set<String> = []
            for target in indices {
                let spec = benchTarget(target, mixed: mixed)
                let id = spec.id
                let source = spec.source ?? benchSource(id)
                let blob = content[spec.kind]?[version - 1] ?? (fingerprints[version - 1].sha256, roots[version - 1])
                let said = spec.kind.isRoot || continuity != .resigned ? continuity : .changed
                for agent in agents {
                    let number = serial.withLock { $0 += 1; return $0 }
                    let statement = AttestationStatement(
                        agent: agent.id, target: id, source: source, sha256: blob.sha256, observedAt: now, continuity: said)
                    chunk.append(VerifiedObservation(
                        id: String(format: "%064x", number), agent: agent.id, target: id, observedAt: now, outcome: blob.sha256,
                        attestationSignature: ByteEncoding.base64Encode(try agent.identity.sign(try statement.signingBytes)),
                        continuity: said,
                        // What ingest stores: the attestation was verified under this key for this source.
                        attestationKeyID: PublicationPlanner.verifiedKeyID(agent.identity.publicKey.keyID, source: source),
                        rootBytes: sent.insert(blob.sha256).inserted ? blob : nil))
                    count += 1
                }
                if chunk.count >= 10_000 {
                    _ = try await store.commit(chunk, now: now, maxAgeSeconds: maxAgeSeconds)
                    chunk.removeAll()
                }
            }
            _ = try await store.commit(chunk, now: now, maxAgeSeconds: maxAgeSeconds)
            return count
        }
    }

    static func run(targets: Int, agentCount: Int, mixed: Bool = false, logger: Logger) async throws {
        let agents = BenchAgent.fleet(agentCount)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-scale-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (coordinator, configuration) = try await makeCoordinator(
            in: directory, agents: agents, targets: targets, mixed: mixed, dependencies: .init(logger: logger))
        let fleet = try Fleet(
            agents: agents, store: IngestStore(database: coordinator.database), maxAgeSeconds: configuration.consensus.maxAgeSeconds,
            mixed: mixed)
        let consensus = coordinator.consensus

        // Ed25519 verify rate on this machine now: the baseline every figure is read against.
        let message = Array(repeating: UInt8(7), count: 300)
        let signature = try agents[0].identity.sign(message)
        let (_, verifySeconds) = await BenchMeasure.timed {
            for _ in 0..<20_000 { _ = agents[0].identity.publicKey.isValidSignature(signature, for: message) }
        }
        let verifyRate = 20_000 / verifySeconds
        print(String(
            format: "scale %d targets x %d agents%@; ed25519 verify (1 core): %.0f signatures/s", targets, agentCount,
            mixed ? " (a third each tuf, oci, file)" : "", verifyRate))

        _ = try await settle(consensus)
        let (observed, ingestSeconds) = try await BenchMeasure.timed { try await fleet.observe(0..<targets, version: 1, continuity: .firstSight) }
        print(String(format: "  ingest of the first observations (%d, signed, committed in 10,000s): %.1f s", observed, ingestSeconds))
        let first = try await settle(consensus)
        print(String(
            format: "  first rounds: %d rounds deciding %d targets and publishing %d pins: %.1f s", first.rounds, first.decided, first.rebuilt,
            first.seconds))
        let (idle, idleSeconds) = try await BenchMeasure.timed { try await consensus.evaluateNow() }
        print(String(format: "  round with nothing changed: %.1f ms (%d decided, %d pins rebuilt)", idleSeconds * 1000, idle.decided, idle.rebuiltPins))
        // 10 changed, five times over other targets (the median is printed beside each), then 1,000 changed once.
        for (count, version, repetitions) in [(10, 2, 5), (1000, 3, 1)] where count <= targets {
            var runs: [(rounds: Int, decided: Int, rebuilt: Int, seconds: Double)] = []
            for repetition in 0..<repetitions {
                _ = try await fleet.observe(
                    stride(from: repetition, to: targets, by: targets / count).prefix(count), version: version, continuity: .resigned)
                runs.append(try await settle(consensus))
            }
            let median = runs.map(\.seconds).sorted()[runs.count / 2]
            print(String(
                format: "  rounds after %d targets changed root: %.1f ms%@ (%d rounds, %d decided, %d pins rebuilt)", count, median * 1000,
                runs.count > 1 ? " median of \(runs.count): " + runs.map { String(format: "%.1f", $0.seconds * 1000) }.joined(separator: ", ") : "",
                runs[0].rounds, runs[0].decided, runs[0].rebuilt))
        }

        try await refreshUnderIngest(coordinator, fleet: fleet, targets: targets)
        let bytes = try await coordinator.database.usedBytes()
        print(String(format: "  peak RSS %.0f MB; database %.1f MB", BenchMeasure.peakRSSMegabytes(), Double(bytes) / 1e6))
    }

    /// A refresh of every pin's attestations, with ingest commits of 5 targets' observations running beside it: the
    /// refresh's wall and CPU time and how long each commit beside it took.
    static func refreshUnderIngest(_ coordinator: Coordinator, fleet: Fleet, targets: Int) async throws {
        try await coordinator.scheduleFullRefresh()
        let cpuBefore = BenchMeasure.processCPUSeconds()
        let stop = Mutex(false)
        let waits = Task {
            var waits: [Double] = []
            var round = 0
            while !stop.withLock({ $0 }) {
                let start = round * 5 % max(1, targets - 5)
                let (_, seconds) = try await BenchMeasure.timed {
                    _ = try await fleet.observe(start..<min(targets, start + 5), version: 1, continuity: .firstSight)
                }
                waits.append(seconds)
                round += 1
            }
            return waits
        }
        // Counted on this task: the rounds' work, not the ingest beside it.
        let (refresh, counts) = try await OperationCounters.counting { try await settle(coordinator.consensus) }
        stop.withLock { $0 = true }
        let cpu = BenchMeasure.processCPUSeconds() - cpuBefore
        let latencies = try await waits.value.sorted()
        print(String(
            format: "  refresh of every pin: %.1f s wall, %.1f s CPU (process, incl. the ingest beside it), %d rounds, %d pins rebuilt; %d ingest commits of %d observations beside it: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
            refresh.seconds, cpu, refresh.rounds, refresh.rebuilt, latencies.count, 5 * fleet.agents.count,
            BenchMeasure.percentile(latencies, 0.5) * 1000, BenchMeasure.percentile(latencies, 0.99) * 1000, (latencies.last ?? 0) * 1000)
            + "; refresh " + BenchCounters.per("pin", counts, targets))
    }

    /// A coordinator (no HTTP) in `directory` with `targets` targets watched by `agents`: quorum 2 of 2 regions, no
    /// `min_duration`, `synchronous = NORMAL`.
    static func makeCoordinator(
        in directory: String, agents: [BenchAgent], targets: Int, mixed: Bool = false, dependencies: CoordinatorDependencies
    ) async throws -> (Coordinator, CoordinatorConfiguration) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try Keygen.create(at: directory + "/coordinator.key")
        var configuration = CoordinatorConfiguration()
        configuration.stateDirectory = directory
        configuration.agents = agents.map(\.enrollment)
        configuration.targets = benchTargets(targets, mixed: mixed)
        configuration.consensus = ConsensusPolicy(quorum: 2, minRegions: 2, minDuration: .init(first: 0, resigned: 0, rotated: 0, replaced: 0))
        configuration.synchronousFull = false
        return (try await buildCoordinator(configuration: configuration, dependencies: dependencies), configuration)
    }

    /// Rounds until none leaves work: (rounds, decided, rebuilt pins, seconds).
    static func settle(_ consensus: ConsensusService) async throws -> (rounds: Int, decided: Int, rebuilt: Int, seconds: Double) {
        var rounds = 0, decided = 0, rebuilt = 0
        let (_, seconds) = try await BenchMeasure.timed {
            var more = true
            while more {
                let report = try await consensus.evaluateNow()
                rounds += 1
                decided += report.decided
                rebuilt += report.rebuiltPins
                more = report.more
            }
        }
        return (rounds, decided, rebuilt, seconds)
    }
}
