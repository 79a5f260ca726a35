import Foundation
import VantageAgent
import VantageClient
import VantageCore
import VantagePinsCLI
import VantageSupport

/// Acts 7 to 9: an image tag on the demo registry agreed, moved and followed, and resolved by a CI host.
extension DemoScenario {
    static let imageTarget = "demo-image"

    /// `127.0.0.1:PORT/library/demo:1.0`.
    var imageReference: String { "127.0.0.1:\(registryPort)/\(DemoImage.repository):\(DemoImage.tag)" }

    func imageStory(admin: CoordinatorClient, agents: inout [AgentRuntime], roots: [TargetSpec], after start: Int64) async throws {
        var cursor = start
        let image = try TargetSpec.image(id: Self.imageTarget, reference: imageReference)
        let first = DemoImage(build: "1")
        registry.push(first)
        DemoOutput.step(
            "7. A registry on 127.0.0.1:\(registryPort) (https; its CA, made for this run, is in the agents' http.ca_bundle) "
                + "serves \(imageReference): an OCI index for \(DemoImage.platformNames) (\(first.index.digest.prefix(19))…)")
        DemoOutput.detail(
            "vantage targets add \(image.id) --kind oci --image \(imageReference); the agents restart with it in their configuration")
        try await admin.addTarget(image)
        try await startAgents(&agents, targets: roots + [image])
        cursor = try await round(agents, admin: admin, after: cursor)
        let agreed = try await admin.target(image.id)
        try expect(
            agreed.status == .agreed && agreed.pinned.map { "sha256:" + $0.sha256 } == first.index.digest,
            "the index the registry serves should be pinned")
        try expect(
            agreed.pinned?.content?.platforms?.map(\.digest) == first.manifests.map(\.digest),
            "the pin should name the index's platform manifests")
        DemoOutput.detail("pinned \(first.index.digest), \(ManifestFacts.ociIndex)")
        for platform in agreed.pinned?.content?.platforms ?? [] { DemoOutput.detail("  \(platform.name): \(platform.digest)") }

        DemoOutput.step("8. The publisher pushes a new build as \(DemoImage.tag): the tag moves")
        let second = DemoImage(build: "2")
        registry.push(second)
        cursor = try await round(agents, admin: admin, after: cursor)
        let moved = try await admin.target(image.id)
        try expect(
            moved.pinned.map { "sha256:" + $0.sha256 } == second.index.digest && moved.pinned?.classification == .moved,
            "the moved tag should be followed")
        DemoOutput.detail("moved: \(first.index.digest) -> \(second.index.digest)")
        DemoOutput.detail("a floating tag is followed after min_duration (0 s here); `--immutable` would hold it for approvers")

        DemoOutput.step(
            "9. A CI host resolves the image through the verified pin list: vantage pins resolve \(imageReference) (in a process of its own)")
        let policyPath = work.appendingPathComponent("trust-policy.json").path
        try AtomicFile.write(try Canonical.encode(try await admin.policy(), pretty: true), to: policyPath)
        let resolved = try await DemoCIHost.run([
            "pins", "resolve", imageReference, "--policy", policyPath, "--coordinator", coordinatorURL,
            "--state", work.appendingPathComponent("ci-host/pin-state.json").path,
        ], in: work.appendingPathComponent("ci-host/resolve"))
        let printed = resolved.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try expect(resolved.status == 0, "pins resolve should exit 0 (exit \(resolved.status): \(resolved.stderr.prefix(300)))")
        try expect(printed == "\(imageReference)@\(second.index.digest)", "pins resolve should print the consensus digest")
        DemoOutput.detail(printed)
        DemoOutput.detail("the digest is the content: `docker pull` of this reference needs no trust in the registry or the path")
    }
}
