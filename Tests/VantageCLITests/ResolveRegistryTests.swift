import Foundation
import Testing
import VantageCore
import VantageTestSupport

/// `vantage-pins resolve` against a real registry (docker-registry on loopback with TLS, images pushed with skopeo):
/// the printed reference is what `skopeo inspect` pulls by digest, and a digest pushed under another tag of the same
/// repository, attested for that tag and served under this one, is refused.
@Suite(
    "vantage-pins resolve against a real registry", .serialized,
    .enabled(if: RegistryFixture.isAvailable, "needs docker-registry, skopeo, curl, openssl, python3-cryptography (scripts/install-test-deps.sh)"))
struct ResolveRegistryTests {
    typealias World = PinsRefusalTests.World

    @Test("the printed reference is the consensus digest skopeo inspects; another tag's digest is source_mismatch")
    func resolveAndInspect() async throws {
        let registry = try await RegistryFixture()
        defer { registry.stop() }
        let w = try World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let current = try OCILayoutBuilder.index(at: w.dir.appendingPathComponent("one").path, tag: "1.0", seed: "resolve-1.0")
        let other = try OCILayoutBuilder.image(at: w.dir.appendingPathComponent("two").path, tag: "2.0", seed: "resolve-2.0")
        try await Skopeo.push(layout: current, tag: "1.0", to: registry, repository: "library/demo")
        try await Skopeo.push(layout: other, tag: "2.0", to: registry, repository: "library/demo")
        let image = registry.reference("library/demo", tag: "1.0")
        let source = try World.image(image)
        let policy = try w.policy(targets: [.init(id: "demo", source: source)])
        func resolve(_ pin: Pin) async throws -> CLI.Result {
            try await CLI.run(["resolve", image, "--policy", policy, "--pins", try w.write(try w.list(pins: [pin]), "pins-\(UUID().uuidString).json"),
                               "--state", w.dir.appendingPathComponent("s-\(UUID().uuidString)").path], tool: "vantage-pins")
        }

        let swapped = try await resolve(try w.pin("demo", try World.image(registry.reference("library/demo", tag: "2.0")),
                                                  sha256: String(other.digest.dropFirst("sha256:".count))))
        #expect(swapped.status == 12 && swapped.stdout.isEmpty && swapped.stderr.contains("source_mismatch"), "\(swapped.stderr)")

        let result = try await resolve(try w.pin("demo", source, sha256: String(current.digest.dropFirst("sha256:".count))))
        #expect(result.status == 0, "\(result.stderr)")
        let printed = result.stdout.trimmingCharacters(in: .newlines)
        #expect(printed == "\(image)@\(current.digest)")
        // skopeo takes NAME@DIGEST only (docker pull takes the printed NAME:TAG@DIGEST and ignores the tag).
        let byDigest = printed.replacingOccurrences(of: ":1.0@", with: "@")
        #expect(try await Skopeo.inspectDigest(byDigest, in: registry) == current.digest)
    }
}
