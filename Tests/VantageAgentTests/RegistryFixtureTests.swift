import Foundation
import Testing
import VantageTestSupport

/// The shared registry fixture (Tests/VantageTestSupport/Registry) against the real `docker-registry` and `skopeo`:
/// what the `oci` target tests build on must itself be right, or their digests prove nothing.
@Suite(
    "Registry fixture", .timeLimit(.minutes(4)),
    .enabled(if: RegistryFixture.isAvailable, "needs docker-registry, skopeo, curl, openssl, python3-cryptography (scripts/install-test-deps.sh)"))
struct RegistryFixtureTests {
    static let modes: [RegistryFixture.Auth] = [
        .anonymous, .token(), .token(credentials: RegistryCredentials(user: "vantage", password: "s3cret")),
    ]

    @Test(arguments: [OCIMediaTypes.oci, .docker])
    func builtLayersAreRealTarGzipAndDigestsFollowTheSeed(mediaTypes: OCIMediaTypes) async throws {
        let scratch = try Scratch("vantage-oci")
        defer { scratch.remove() }
        let first = try OCILayoutBuilder.index(at: scratch.file("a"), seed: "one", mediaTypes: mediaTypes)
        let same = try OCILayoutBuilder.index(at: scratch.file("b"), seed: "one", mediaTypes: mediaTypes)
        let other = try OCILayoutBuilder.index(at: scratch.file("c"), seed: "two", mediaTypes: mediaTypes)
        #expect(first.digest == same.digest)
        #expect(first.digest != other.digest)
        #expect(Set(first.platforms.map(\.digest)).isDisjoint(with: other.platforms.map(\.digest)))
        #expect(first.digest == OCILayoutBuilder.digest(first.bytes))
        #expect(first.platforms.map(\.platform) == [.linuxAMD64, .linuxARM64v8])

        // Every blob a manifest names is stored under its own digest, and the layer is a gzip'd tar the real tools read.
        for entry in first.platforms {
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(entry.bytes)) as? [String: Any])
            let config = try #require((manifest["config"] as? [String: Any])?["digest"] as? String)
            let layer = try #require((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String)
            for digest in [config, layer] {
                let bytes = try #require(FileManager.default.contents(atPath: first.blobPath(digest)))
                #expect(OCILayoutBuilder.digest(bytes) == digest)
            }
            let seed = try await runCommand("tar", ["-xzOf", first.blobPath(layer), "vantage-seed"])
            #expect(seed.status == 0 && seed.stdout == "one \(entry.platform)\n", "\(seed)")
        }
    }

    @Test(arguments: modes)
    func pushedImagesAnswerTheBuiltDigestsAndAMovedTagTheNewOne(auth: RegistryFixture.Auth) async throws {
        let registry = try await RegistryFixture(auth: auth)
        defer { registry.stop() }
        let single = try OCILayoutBuilder.image(at: registry.scratch.file("single"), tag: "1.0", seed: "single")
        let multi = try OCILayoutBuilder.index(at: registry.scratch.file("multi"), tag: "latest", seed: "multi")
        try await Skopeo.push(layout: single, tag: "1.0", to: registry, repository: "library/app")
        try await Skopeo.push(layout: multi, tag: "latest", to: registry, repository: "library/app")

        for layout in [single, multi] {
            let reference = registry.reference("library/app", tag: layout.tag)
            let raw = try await Skopeo.inspectRaw(reference, in: registry)
            #expect(raw == layout.bytes)
            #expect(OCILayoutBuilder.digest(raw) == layout.digest)
            #expect(try await Skopeo.inspectDigest(reference, in: registry) == layout.digest)
        }
        // `--all` pushed every platform: each answers by digest with the bytes the builder wrote.
        for entry in multi.platforms {
            let raw = try await Skopeo.inspectRaw("\(registry.host)/library/app@\(entry.digest)", in: registry)
            #expect(raw == entry.bytes, "\(entry.platform)")
        }

        // Moving the tag: another image pushed under it; the registry now answers the new digest.
        let moved = try OCILayoutBuilder.image(at: registry.scratch.file("moved"), tag: "1.0", seed: "moved")
        try #require(moved.digest != single.digest)
        try await Skopeo.push(layout: moved, tag: "1.0", to: registry, repository: "library/app")
        #expect(try await Skopeo.inspectDigest(registry.reference("library/app", tag: "1.0"), in: registry) == moved.digest)
        #expect(OCILayoutBuilder.digest(try await Skopeo.inspectRaw(registry.reference("library/app", tag: "1.0"), in: registry)) == moved.digest)
        if registry.realm != nil {
            #expect(try registry.tokenRequests().contains { $0.status == 200 && $0.scopes == ["repository:library/app:pull,push"] })
        }
    }

    @Test func dockerMediaTypesArePushedUnchanged() async throws {
        let registry = try await RegistryFixture()
        defer { registry.stop() }
        let list = try OCILayoutBuilder.index(at: registry.scratch.file("list"), tag: "22.04", seed: "docker", mediaTypes: .docker)
        let single = try OCILayoutBuilder.image(at: registry.scratch.file("single"), tag: "20.04", seed: "docker", mediaTypes: .docker)
        for layout in [list, single] {
            try await Skopeo.push(layout: layout, tag: layout.tag, to: registry, repository: "library/ubuntu")
            let response = try await registry.request(
                "/v2/library/ubuntu/manifests/\(layout.tag)", headers: ["Accept": RegistryFixture.manifestMediaTypes.joined(separator: ", ")])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == layout.mediaType)
            #expect(response.header("Docker-Content-Digest") == layout.digest)
            #expect(response.body == layout.bytes)
        }
        #expect(list.mediaType == OCIMediaTypes.docker.index && single.mediaType == OCIMediaTypes.docker.manifest)
    }

    @Test func tokenModeChallengesAnonymousClientsAndServesTheBearer() async throws {
        let credentials = RegistryCredentials(user: "vantage", password: "s3cret")
        let registry = try await RegistryFixture(auth: .token(credentials: credentials))
        defer { registry.stop() }
        let image = try OCILayoutBuilder.index(at: registry.scratch.file("img"), tag: "24.04", seed: "token")
        try await Skopeo.push(layout: image, tag: "24.04", to: registry, repository: "library/ubuntu")
        let path = "/v2/library/ubuntu/manifests/24.04"
        let accept = ["Accept": RegistryFixture.manifestMediaTypes.joined(separator: ", ")]

        let anonymous = try await registry.request(path, headers: accept)
        #expect(anonymous.status == 401)
        let challenge = try #require(anonymous.header("WWW-Authenticate"))
        let realm = try #require(registry.realm)
        #expect(challenge.hasPrefix("Bearer realm=\"\(realm)\""), "\(challenge)")
        #expect(challenge.contains("service=\"\(RegistryFixture.service)\""), "\(challenge)")
        #expect(challenge.contains("scope=\"repository:library/ubuntu:pull\""), "\(challenge)")

        // The token server insists on the credentials (positive control: with them it answers a token).
        let before = try registry.tokenRequests().count
        let wrong = RegistryCredentials(user: "vantage", password: "wrong")
        await #expect(throws: TestFailure.self) { try await registry.token(repository: "library/ubuntu", credentials: wrong) }
        let token = try await registry.token(repository: "library/ubuntu")
        let requests = try registry.tokenRequests().dropFirst(before)
        #expect(requests.map(\.status) == [401, 200])
        #expect(requests.last?.user == "vantage" && requests.last?.scopes == ["repository:library/ubuntu:pull"])

        let bearer = accept.merging(["Authorization": "Bearer \(token)"]) { $1 }
        let get = try await registry.request(path, headers: bearer)
        #expect(get.status == 200)
        #expect(get.body == image.bytes)
        #expect(OCILayoutBuilder.digest(get.body) == image.digest)
        #expect(get.header("Docker-Content-Digest") == image.digest)
        #expect(get.header("Content-Type") == image.mediaType)

        let head = try await registry.request(path, method: "HEAD", headers: bearer)
        #expect(head.status == 200)
        #expect(head.header("Docker-Content-Digest") == image.digest)
        #expect(head.header("Content-Length") == "\(image.bytes.count)")
        #expect(head.body.isEmpty)

        // The access log tells GETs from HEADs (what HEAD-polling tests count).
        let manifestRequests = registry.accessLog().filter { $0.path == path }
        #expect(manifestRequests.map(\.method).suffix(3) == ["GET", "GET", "HEAD"])
        #expect(manifestRequests.map(\.status).suffix(3) == [401, 200, 200])
    }
}
