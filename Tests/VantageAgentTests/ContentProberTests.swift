import Foundation
import Testing
import VantageAgent
import VantageClient
import VantageCore
import VantageTestSupport

/// ``ContentProber`` with the agent's own history store against the real `docker-registry`: the verdict is taken
/// against the first digest this agent saw for the source, a `HEAD` that names it again reports `same` without
/// bytes, and a moved tag is `changed` with the new bytes — never adopted as a new first sight.
@Suite(
    "Content probes of a real registry", .timeLimit(.minutes(3)),
    .enabled(if: RegistryFixture.isAvailable, "needs docker-registry, skopeo, curl, openssl, python3-cryptography (scripts/install-test-deps.sh)"))
struct ContentProberTests {
    @Test func verdictsFollowTheFirstDigestThisAgentSaw() async throws {
        let registry = try await RegistryFixture(auth: .anonymous)
        defer { registry.stop() }
        let first = try OCILayoutBuilder.index(at: registry.scratch.file("first"), tag: "24.04", seed: "first")
        try await Skopeo.push(layout: first, tag: "24.04", to: registry, repository: "library/ubuntu")
        let getter = try AHCHTTPGetter(
            limits: FetchLimits(), caBundlePath: registry.caFile, proxy: nil, noProxy: ProxyRule(noProxy: nil),
            destinations: DestinationPolicy(allowPrivateAddresses: true))
        defer { Task { await getter.shutdown() } }
        let store = ContentTrustStore(database: try AgentDatabase.open(directory: registry.scratch.file("spool")))
        let spec = try TargetSpec.image(id: "ubuntu", reference: "\(registry.host)/library/ubuntu:24.04")
        let source = try #require(spec.source)
        let prober = ContentProber(http: getter, limits: FetchLimits())
        func probe() async throws -> ProbeResult {
            let history = try store.entry(for: source.storageKey)
            return await prober.probe(spec, source: source, supplier: .configuration, history: history, now: Date.init) { facts in
                try await store.storeDurably(facts, for: source.storageKey, at: Date())
            }.result
        }

        let seen = try await probe()
        #expect(seen.error == nil, "\(String(describing: seen.error))")
        #expect(seen.continuity == .firstSight && "sha256:" + (seen.content?.sha256 ?? "") == first.digest)
        #expect(seen.rootBytes == first.bytes && seen.content?.platforms?.count == 2)
        // The statement an agent signs carries the digest, so its attestation binds it to this source.
        #expect(seen.observation(agent: "a1", region: "eu", sequence: 1).attestationStatement?.sha256 == seen.content?.sha256)

        let again = try await probe()
        #expect(again.continuity == .same && again.content == seen.content && again.rootBytes == nil, "a HEAD named the same digest")

        let moved = try OCILayoutBuilder.image(at: registry.scratch.file("moved"), tag: "24.04", seed: "moved")
        try await Skopeo.push(layout: moved, tag: "24.04", to: registry, repository: "library/ubuntu")
        let after = try await probe()
        #expect(after.continuity == .changed && "sha256:" + (after.content?.sha256 ?? "") == moved.digest && after.rootBytes == moved.bytes)
        // Still `changed` on the next poll: the first digest stays the reference (only approvers admit a change).
        #expect(try await probe().continuity == .changed)
        #expect(try store.entry(for: source.storageKey)?.first == seen.content?.sha256)
    }
}
