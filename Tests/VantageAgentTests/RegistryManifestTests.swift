import Foundation
import Testing
import VantageAgent
import VantageClient
import VantageCore
import VantageTestSupport

/// ``OCIManifestSource`` against the real `docker-registry` (``RegistryFixture``), open and behind token auth:
/// the digest it reports is the one `skopeo inspect` prints, an index gives its platforms, and a moved tag is seen
/// on the next poll while an unmoved one costs a `HEAD` only.
@Suite(
    "OCI manifests from a real registry", .timeLimit(.minutes(4)),
    .enabled(
        if: RegistryFixture.isAvailable, "needs docker-registry, skopeo, curl, openssl, python3-cryptography (scripts/install-test-deps.sh)"))
struct RegistryManifestTests {
    static let modes: [RegistryFixture.Auth] = [.anonymous, .token(credentials: .init(user: "vantage", password: "s3cret"))]

    /// Runs `body` with a getter trusting the registry's CA (loopback allowed, and for coordinator targets the
    /// `allowedSources` patterns) and a source maker for `library/app` with the fixture's credentials (or `credential`).
    func withSources<T>(
        _ registry: RegistryFixture, allowedSources: [String] = [], supplier: TargetSupplier = .configuration,
        credential: RegistryCredential? = nil, _ body: (_ source: (String) -> OCIManifestSource) async throws -> T
    ) async throws -> T {
        let getter = try AHCHTTPGetter(
            limits: FetchLimits(requestTimeout: .seconds(15), totalTimeout: .seconds(30)), caBundlePath: registry.caFile, proxy: nil,
            noProxy: ProxyRule(noProxy: nil),
            destinations: DestinationPolicy(
                allowPrivateAddresses: true, allowedSources: try allowedSources.map { try SourcePattern.parse($0).get() }))
        let credential = credential ?? registry.credentials.map { RegistryCredential(username: $0.user, password: $0.password) }
        do {
            let result = try await body { tag in
                OCIManifestSource(
                    registryURL: registry.baseURL, repository: "library/app", tag: tag, http: getter, maxBytes: 524_288,
                    supplier: supplier, credential: credential)
            }
            await getter.shutdown()
            return result
        } catch {
            await getter.shutdown()
            throw error
        }
    }

    @Test(arguments: modes)
    func singleAndMultiPlatformTagsGiveSkopeosDigestAndThePlatforms(auth: RegistryFixture.Auth) async throws {
        let registry = try await RegistryFixture(auth: auth)
        defer { registry.stop() }
        let single = try OCILayoutBuilder.image(at: registry.scratch.file("single"), tag: "1.0", seed: "single")
        let multi = try OCILayoutBuilder.index(at: registry.scratch.file("multi"), tag: "latest", seed: "multi")
        let list = try OCILayoutBuilder.index(at: registry.scratch.file("list"), tag: "22.04", seed: "list", mediaTypes: .docker)
        for layout in [single, multi, list] {
            try await Skopeo.push(layout: layout, tag: layout.tag, to: registry, repository: "library/app")
        }
        try await withSources(registry) { source in
            for layout in [single, multi, list] {
                let fetched = try await source(layout.tag).fetch(known: nil)
                let reference = registry.reference("library/app", tag: layout.tag)
                #expect("sha256:" + fetched.facts.sha256 == (try await Skopeo.inspectDigest(reference, in: registry)), "\(layout.tag)")
                #expect(fetched.bytes == (try await Skopeo.inspectRaw(reference, in: registry)))
                #expect(fetched.facts.mediaType == layout.mediaType)
                let platforms = layout.platforms.map {
                    ImagePlatform(
                        os: $0.platform.os, architecture: $0.platform.architecture, variant: $0.platform.variant, digest: $0.digest)
                }
                #expect(fetched.facts.platforms == (platforms.isEmpty ? nil : platforms), "\(layout.tag)")
            }
        }
        if registry.realm != nil {
            // The configured credentials went to the realm, asking for pull only.
            let asked = try registry.tokenRequests().filter { $0.scopes == ["repository:library/app:pull"] }
            #expect(!asked.isEmpty && asked.allSatisfy { $0.user == "vantage" && $0.status == 200 }, "\(asked)")
        }
    }

    @Test(arguments: modes)
    func aMovedTagIsSeenOnTheNextPollAndAnUnmovedOneCostsAHead(auth: RegistryFixture.Auth) async throws {
        let registry = try await RegistryFixture(auth: auth)
        defer { registry.stop() }
        let first = try OCILayoutBuilder.index(at: registry.scratch.file("first"), tag: "1.0", seed: "first")
        try await Skopeo.push(layout: first, tag: "1.0", to: registry, repository: "library/app")
        func manifestRequests(_ method: String) -> Int {
            registry.accessLog().filter { $0.method == method && $0.path == "/v2/library/app/manifests/1.0" && $0.status == 200 }.count
        }
        try await withSources(registry) { source in
            let known = try await source("1.0").fetch(known: nil).facts
            #expect("sha256:" + known.sha256 == first.digest)
            let gets = manifestRequests("GET")
            let heads = manifestRequests("HEAD")

            let unmoved = try await source("1.0").fetch(known: known)
            #expect(unmoved.bytes == nil && unmoved.facts == known)
            #expect(manifestRequests("GET") == gets)
            #expect(manifestRequests("HEAD") == heads + 1)

            let moved = try OCILayoutBuilder.image(at: registry.scratch.file("moved"), tag: "1.0", seed: "moved")
            try await Skopeo.push(layout: moved, tag: "1.0", to: registry, repository: "library/app")
            let after = try await source("1.0").fetch(known: known)
            #expect("sha256:" + after.facts.sha256 == moved.digest)
            let inspected = try await Skopeo.inspectDigest(registry.reference("library/app", tag: "1.0"), in: registry)
            #expect("sha256:" + after.facts.sha256 == inspected)
            #expect(after.facts.platforms == nil && after.bytes == moved.bytes)
        }
    }

    @Test func theRealRealmOutsideAllowedSourcesIsNeverAskedAndWrongCredentialsStayUnsaid() async throws {
        let registry = try await RegistryFixture(auth: .token(credentials: .init(user: "vantage", password: "s3cret")))
        defer { registry.stop() }
        let layout = try OCILayoutBuilder.image(at: registry.scratch.file("single"), tag: "1.0", seed: "realm")
        try await Skopeo.push(layout: layout, tag: "1.0", to: registry, repository: "library/app")
        let realm = try #require(registry.realm.flatMap { URL(string: $0) })
        let realmBase = "https://\(realm.host ?? ""):\(realm.port ?? 443)"
        let pushRequests = try registry.tokenRequests().count
        // Control: a coordinator target whose registry and realm are both allowed.
        try await withSources(registry, allowedSources: [registry.baseURL, realmBase], supplier: .coordinator) { source in
            let fetched = try await source("1.0").fetch(known: nil)
            #expect("sha256:" + fetched.facts.sha256 == layout.digest)
        }
        let asked = try registry.tokenRequests().count
        #expect(asked == pushRequests + 1)
        try await withSources(registry, allowedSources: [registry.baseURL], supplier: .coordinator) { source in
            #expect(await failureKind { _ = try await source("1.0").fetch(known: nil) } == .forbidden)
        }
        #expect(try registry.tokenRequests().count == asked, "the realm was reached")
        // Wrong credentials: the real token server refuses them, and the message names neither user nor password.
        try await withSources(registry, credential: RegistryCredential(username: "mallory", password: "guessed-pw")) { source in
            let error = await failure { _ = try await source("1.0").fetch(known: nil) }
            #expect(error?.kind == .auth, "\(String(describing: error))")
            #expect(error.map { !$0.message.contains("mallory") && !$0.message.contains("guessed-pw") } == true)
        }
    }
}
