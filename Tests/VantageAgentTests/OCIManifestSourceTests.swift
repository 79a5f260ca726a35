import Foundation
import Testing
import VantageAgent
import VantageClient
import VantageCore
import VantageTestSupport

/// ``OCIManifestSource`` against ``FakeRegistry``: the hostile answers a real registry will not give, each with
/// its positive control (the same exchange without the malicious change succeeds).
@Suite("OCI manifest source", .timeLimit(.minutes(2)))
struct OCIManifestSourceTests {
    static let limits = FetchLimits(requestTimeout: .seconds(15), totalTimeout: .seconds(30))
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Runs `body` with a getter that may reach loopback, bound by `allowedSources` for coordinator targets.
    func withGetter<T>(allowedSources: [String] = [], _ body: (AHCHTTPGetter) async throws -> T) async throws -> T {
        let patterns = try allowedSources.map { try SourcePattern.parse($0).get() }
        let getter = try AHCHTTPGetter(
            limits: Self.limits, caBundlePath: nil, proxy: nil, noProxy: ProxyRule(noProxy: nil),
            destinations: DestinationPolicy(allowPrivateAddresses: true, allowedSources: patterns))
        do {
            let result = try await body(getter)
            await getter.shutdown()
            return result
        } catch {
            await getter.shutdown()
            throw error
        }
    }

    func source(
        _ registry: FakeRegistry, _ http: any HTTPGetting, maxBytes: Int = 524_288, supplier: TargetSupplier = .configuration,
        credential: RegistryCredential? = nil
    ) -> OCIManifestSource {
        OCIManifestSource(
            registryURL: registry.url, repository: "library/app", tag: "1.0", http: http, maxBytes: maxBytes, supplier: supplier,
            credential: credential, now: { Self.now })
    }

    @Test func digestIsTheSHA256OfTheBytesAndALyingHeaderIsRefused() async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                let manifest = FakeRegistry.manifest()
                let truth = FakeRegistry.digest(manifest)
                // Control: the true digest in the header.
                let fetched = try await source(registry, http).fetch(known: nil)
                #expect("sha256:" + fetched.facts.sha256 == truth)
                #expect(fetched.bytes == manifest)
                #expect(fetched.facts.size == manifest.count)
                #expect(fetched.facts.mediaType == "application/vnd.oci.image.manifest.v1+json")
                #expect(fetched.facts.platforms == nil)
                // No header at all: the bytes decide.
                await registry.set(.init(getDigest: ""))
                let unclaimed = try await source(registry, http).fetch(known: nil)
                #expect("sha256:" + unclaimed.facts.sha256 == truth)
                // The header lies.
                let lie = FakeRegistry.digest(FakeRegistry.manifest(config: "2"))
                await registry.set(.init(getDigest: lie))
                let error = await failure { _ = try await source(registry, http).fetch(known: nil) }
                #expect(error?.kind == .malformed)
                #expect(error?.message.contains(lie) == true && error?.message.contains(truth) == true, "\(String(describing: error))")
            }
        }
    }

    @Test func headMatchingTheKnownDigestFetchesNothing() async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                let first = try await source(registry, http).fetch(known: nil)
                #expect(await registry.manifestHits("HEAD") == 0)
                #expect(await registry.manifestHits("GET") == 1)
                let again = try await source(registry, http).fetch(known: first.facts)
                #expect(again.bytes == nil)
                #expect(again.facts == first.facts)
                #expect(await registry.manifestHits("HEAD") == 1)
                #expect(await registry.manifestHits("GET") == 1)
            }
        }
    }

    @Test(arguments: ["other", "none"])
    func headNamingAnotherDigestOrNoneIsFollowedByAGet(_ header: String) async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                let known = try await source(registry, http).fetch(known: nil).facts
                // The tag moved: HEAD names the new digest (or says nothing), and the GET serves the new bytes.
                let moved = FakeRegistry.manifest(config: "3")
                await registry.set(.init(manifest: moved, headDigest: header == "none" ? "" : nil))
                let fetched = try await source(registry, http).fetch(known: known)
                #expect("sha256:" + fetched.facts.sha256 == FakeRegistry.digest(moved))
                #expect(fetched.bytes == moved)
                #expect(await registry.manifestHits("HEAD") == 1)
                #expect(await registry.manifestHits("GET") == 2)
            }
        }
    }

    @Test func aHeadThatClaimsTheKnownDigestCannotHideAChangeFromAGet() async throws {
        // HEAD is only ever believed for the digest this agent verified itself: a registry lying on HEAD can make
        // the agent report that digest again, never one it did not hash.
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                let known = try await source(registry, http).fetch(known: nil).facts
                await registry.set(.init(manifest: FakeRegistry.manifest(config: "4"), headDigest: "sha256:" + known.sha256))
                let fetched = try await source(registry, http).fetch(known: known)
                #expect(fetched.facts == known && fetched.bytes == nil)
                #expect(await registry.manifestHits("GET") == 1)
            }
        }
    }

    /// `now` is 2027-01-15T08:00:00Z: the date form names the same instant as the seconds form's 3600.
    @Test(arguments: [("120", 120.0), ("3600", 3600), ("Fri, 15 Jan 2027 09:00:00 GMT", 3600)])
    func rateLimitedCarriesRetryAfter(_ header: String, _ seconds: TimeInterval) async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                await registry.set(.init(status: 429, retryAfter: header))
                let wanted = Self.now.addingTimeInterval(seconds)
                do {
                    _ = try await source(registry, http).fetch(known: nil)
                    Issue.record("a 429 was accepted")
                } catch let limited as RateLimitedError {
                    #expect(limited.error.kind == .httpStatus && limited.error.status == 429)
                    #expect(limited.retryAfter == wanted)
                    #expect(limited.error.message.contains(Timestamp(wanted).description), "\(limited.error.message)")
                }
                // On the HEAD of a poll too: no GET follows.
                await registry.set(.init())
                let known = try await source(registry, http).fetch(known: nil).facts
                await registry.set(.init(status: 429, retryAfter: header))
                await #expect(throws: RateLimitedError.self) { _ = try await source(registry, http).fetch(known: known) }
                #expect(await registry.manifestHits("GET") == 2)
            }
        }
    }

    @Test func manifestOverTheCapIsTooLarge() async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                let cap = 4096
                let atCap = FakeRegistry.manifest(padding: cap - FakeRegistry.manifest().count)
                #expect(atCap.count == cap)
                await registry.set(.init(manifest: atCap))
                let accepted = try await source(registry, http, maxBytes: cap).fetch(known: nil)
                #expect(accepted.bytes == atCap)
                let over = FakeRegistry.manifest(padding: cap + 1 - FakeRegistry.manifest().count)
                await registry.set(.init(manifest: over))
                #expect(await failureKind { _ = try await source(registry, http, maxBytes: cap).fetch(known: nil) } == .tooLarge)
            }
        }
    }

    @Test func capIsAtMostFourMebibytes() async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                #expect(source(registry, http, maxBytes: 64 << 20).maxBytes == 4 << 20)
                #expect(source(registry, http, maxBytes: 1 << 20).maxBytes == 1 << 20)
            }
        }
    }

    @Test func realmOutsideAllowedSourcesIsNeverReachedForACoordinatorTarget() async throws {
        try await FakeRegistry.with { registry in
            try await FakeRegistry.with { realm in
                await registry.set(.init(realm: realm.realm))
                // Control: the realm's server is allowed too.
                try await withGetter(allowedSources: [registry.url, realm.url]) { http in
                    _ = try await source(registry, http, supplier: .coordinator).fetch(known: nil)
                }
                #expect(await realm.hits().count == 1)
                try await withGetter(allowedSources: [registry.url]) { http in
                    let error = await failure { _ = try await source(registry, http, supplier: .coordinator).fetch(known: nil) }
                    #expect(error?.kind == .forbidden, "\(String(describing: error))")
                }
                #expect(await realm.hits().count == 1)
            }
        }
    }

    @Test func credentialsGoToTheRealmAndNeverIntoAMessage() async throws {
        let credential = RegistryCredential(username: "alice", password: "s3cret-pw")
        let secrets = ["alice", "s3cret-pw", Data("alice:s3cret-pw".utf8).base64EncodedString()]
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                await registry.set(.init(realm: registry.realm, tokenBasic: "alice:s3cret-pw"))
                _ = try await source(registry, http, credential: credential).fetch(known: nil)
                let tokenHits = await registry.hits().filter { $0.path == "/token" }
                #expect(tokenHits.map(\.authorization) == [FakeRegistry.basicHeader("alice:s3cret-pw")])
                // The manifest requests carry the token, never the credentials.
                let manifestHits = await registry.hits().filter { $0.path.hasPrefix("/v2/") }
                #expect(manifestHits.allSatisfy { $0.authorization?.hasPrefix("Basic") != true })
                // Anonymous: the token endpoint refuses.
                let anonymous = await failure { _ = try await source(registry, http).fetch(known: nil) }
                #expect(anonymous?.kind == .auth)
                // Other credentials: refused, and no message names them.
                await registry.set(.init(realm: registry.realm, tokenBasic: "bob:other"))
                let refused = await failure { _ = try await source(registry, http, credential: credential).fetch(known: nil) }
                #expect(refused?.kind == .auth)
                let shown = [refused?.message ?? "", "\(credential)", String(reflecting: credential), "\(HTTPAuthorization.basic(credential))"]
                for text in shown {
                    #expect(!secrets.contains { text.contains($0) }, "\(text)")
                }
            }
        }
    }

    @Test func basicRegistryGetsTheCredentials() async throws {
        let credential = RegistryCredential(username: "alice", password: "s3cret-pw")
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                await registry.set(.init(basic: "alice:s3cret-pw"))
                let fetched = try await source(registry, http, credential: credential).fetch(known: nil)
                #expect(fetched.bytes == FakeRegistry.manifest())
                let error = await failure { _ = try await source(registry, http).fetch(known: nil) }
                #expect(error?.kind == .auth && error?.status == 401, "\(String(describing: error))")
            }
        }
    }

    @Test func invalidRepositoryOrTagNeverBecomesAURL() async throws {
        try await FakeRegistry.with { registry in
            try await withGetter { http in
                for (repository, tag) in [("library/app", "../../token"), ("Library/App", "1.0"), ("library/app", "")] {
                    let source = OCIManifestSource(registryURL: registry.url, repository: repository, tag: tag, http: http, maxBytes: 4096)
                    #expect(await failureKind { _ = try await source.fetch(known: nil) } == .malformed)
                }
                #expect(await registry.hits().isEmpty)
            }
        }
    }
}
