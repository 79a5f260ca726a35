import Foundation
import Testing
import VantageCore
import VantageTUF
import VantageTestSupport

/// Image tags and key files end to end, with real parts only: Debian's `docker-registry` over TLS (images pushed
/// with `skopeo`), key files over HTTPS, the real coordinator and three real agents in three regions, and a CI host
/// running the real `vantage-pins`. One agent's path is later routed by a CONNECT proxy to an impostor registry that
/// answers the same URL with another digest (a machine in the middle whose certificate that agent trusts).
@Suite(
    "Image tags and key files, end to end", .serialized, .timeLimit(.minutes(5)),
    .enabled(if: RegistryFixture.isAvailable && KeyFileSamples.hasGPG, "needs docker-registry, skopeo, gpg (scripts/install-test-deps.sh)"))
struct ContentSystemTests {
    static let regions = [("agent-eu", "eu-west"), ("agent-us", "us-east"), ("agent-ap", "ap-south")]
    static let repository = "library/ubuntu"

    @Test func tagAgreedMovedInterceptedAndResolvedKeyInstalledAndHeld() async throws {
        try await withSystem("content") { cleanup in
            let scratch = cleanup.scratch
            let genuine = try await RegistryFixture(auth: .anonymous)
            cleanup.add { genuine.stop() }
            let impostor = try await RegistryFixture(auth: .anonymous)
            cleanup.add { impostor.stop() }
            let first = try OCILayoutBuilder.index(at: scratch.file("first"), tag: "24.04", seed: "first")
            try await Skopeo.push(layout: first, tag: "24.04", to: genuine, repository: Self.repository)
            let forged = try OCILayoutBuilder.image(at: scratch.file("forged"), tag: "24.04", seed: "forged")
            try await Skopeo.push(layout: forged, tag: "24.04", to: impostor, repository: Self.repository)

            // Key files over HTTPS with the genuine registry's certificate (one CA for the genuine world).
            let keys = try await KeyFileSamples.openPGP.value
            let (keyA, keyB) = (try #require(keys["a.asc"]), try #require(keys["b.asc"]))
            let files = try scratch.directory("files")
            try Data(keyA.bytes).write(to: URL(fileURLWithPath: files + "/docker.asc"))
            let pki = genuine.scratch.file("pki")
            let fileServer = try ChildProcess(
                "/usr/bin/python3", [PackagePaths.support("testserver.py"), "--dir", files, "--cert", pki + "/tls/server.crt", "--key",
                    pki + "/tls/server.key", "--quiet", "--watch-stdin"])
            cleanup.add { fileServer.stop() }
            let filePort = try #require(Int(try await fileServer.firstLine()))
            let keyURL = "https://127.0.0.1:\(filePort)/files/docker.asc"
            let image = genuine.reference(Self.repository, tag: "24.04")

            var identities: [AgentIdentity] = []
            for (id, region) in Self.regions {
                identities.append(try await AgentIdentity.create(id: id, region: region, keyPath: scratch.file("\(id).key")))
            }
            let settings = CoordinatorSettings(port: try freePort())
            let coordinatorURL = "http://127.0.0.1:\(settings.port)"
            let coordinator = try await CoordinatorProcess(
                directory: try scratch.directory("coordinator"), place: .local, settings: settings, agents: identities,
                targets: ["ubuntu oci \(image)", "docker-key file \(keyURL)"], api: CoordinatorAPI(baseURL: coordinatorURL, via: nil))
            cleanup.add { coordinator.crash() }
            try await coordinator.start()
            let api = coordinator.api
            let content: [String: [String: String]] = [
                "ubuntu": ["kind": "oci", "image": image], "docker-key": ["kind": "file", "url": keyURL],
            ]
            func agent(_ identity: AgentIdentity, run: String, caBundle: String = genuine.caFile, proxy: String? = nil) throws -> AgentProcess {
                let agent = try AgentProcess(
                    identity: identity, directory: try scratch.directory(identity.id), place: .local, coordinators: [coordinatorURL],
                    targets: [], caBundle: caBundle, content: content, proxy: proxy)
                cleanup.add { agent.kill9() }
                try agent.start()
                return agent
            }
            var agents = try identities.map { try agent($0, run: "genuine") }

            // 1. Agreed: the tag is pinned to the digest the registry serves, the key file to its bytes.
            let firstDigest = String(first.digest.dropFirst("sha256:".count))
            try await waitUntil("tag and key file pinned", seconds: 60) {
                let (tag, key) = (try await api.pinned("ubuntu")?.sha256, try await api.pinned("docker-key")?.sha256)
                return tag == firstDigest && key == KeyFileSamples.sha256(keyA.bytes)
            }

            // 2. A CI host resolves and pins offline from the verified list, and installs the key file.
            let ci = try scratch.directory("ci")
            let policy = ci + "/trust-policy.json"
            try await runChecked(PackagePaths.executable("vantage"), ["policy", "export", "--coordinator", coordinatorURL, "--out", policy])
            let pins = PackagePaths.executable("vantage-pins")
            let source = ["--policy", policy, "--coordinator", coordinatorURL, "--state", ci + "/state.json"]
            let resolved = try await runChecked(pins, ["resolve", image] + source)
            let reference = resolved.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(reference == "\(image)@\(first.digest)")
            // skopeo 1.9 takes a digest reference without the tag (docker pulls NAME:TAG@DIGEST by the digest alone).
            let byDigest = reference.replacingOccurrences(of: ":24.04@", with: "@")
            #expect(try await Skopeo.inspectDigest(byDigest, in: genuine) == first.digest, "the printed reference pulls the consensus digest")
            let dockerfile = ci + "/Dockerfile"
            try Data("FROM \(image) AS base\nRUN true\n".utf8).write(to: URL(fileURLWithPath: dockerfile))
            try await runChecked(pins, ["pin", dockerfile] + source)
            #expect(try String(contentsOfFile: dockerfile, encoding: .utf8) == "FROM \(image)@\(first.digest) AS base\nRUN true\n")
            let keyring = ci + "/keyrings/docker.asc"
            let installed = try await runChecked(pins, ["install", "docker-key", "--for", "file", "--out", keyring, "--source", keyURL] + source)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: keyring))) == keyA.bytes)
            let shown = try await runChecked("gpg", ["--batch", "--with-colons", "--show-keys", keyring])
            let fingerprint = try #require(keyA.keys.first?.fingerprint)
            #expect(shown.stdout.contains("fpr:::::::::\(fingerprint):") && installed.stdout.contains(fingerprint), "\(installed.stdout)")

            // 3. The tag moves on the registry: every agent sees it and the pin follows (`moved`); resolve follows.
            let moved = try OCILayoutBuilder.index(at: scratch.file("moved"), tag: "24.04", seed: "moved")
            try await Skopeo.push(layout: moved, tag: "24.04", to: genuine, repository: Self.repository)
            let movedDigest = String(moved.digest.dropFirst("sha256:".count))
            try await waitUntil("the pin follows the moved tag", seconds: 60) { try await api.pinned("ubuntu")?.sha256 == movedDigest }
            #expect(try await api.target("ubuntu").pinned?.classification == .moved)
            try await waitUntil("resolve gives the moved digest", seconds: 30) {
                try await run(pins, ["resolve", image] + source).stdout.contains(moved.digest)
            }

            // 4. The key file changes: a key rotation is held for approvers; the pin and the CI host keep the old key.
            try Data(keyB.bytes).write(to: URL(fileURLWithPath: files + "/docker.asc"))
            try await waitUntil("the changed key file is held", seconds: 60) {
                let status = try await api.target("docker-key")
                return status.status == .pending && status.leading == KeyFileSamples.sha256(keyB.bytes)
            }
            #expect(try await api.pinned("docker-key")?.sha256 == KeyFileSamples.sha256(keyA.bytes))
            #expect(try await api.events().contains { $0.event.kind == .replacementHeld && $0.event.target == "docker-key" })

            // 5. One agent's path now goes through a machine in the middle answering another digest for the same URL:
            //    a split view; the pin does not move (control: the same agent without the interceptor agreed above).
            let bundle = scratch.file("mitm-ca.pem")
            try Data(
                (try Data(contentsOf: URL(fileURLWithPath: genuine.caFile))) + (try Data(contentsOf: URL(fileURLWithPath: impostor.caFile)))
            ).write(to: URL(fileURLWithPath: bundle))
            let proxyLog = scratch.file("proxy.log")
            let proxy = try ChildProcess(
                "/usr/bin/python3", [PackagePaths.support("connect_proxy.py"), "--log", proxyLog, "--redirect", "\(genuine.host)=\(impostor.host)",
                    "--watch-stdin"])
            cleanup.add { proxy.stop() }
            let proxyPort = try #require(Int(try await proxy.firstLine()))
            await agents[2].stop()
            let before = try await api.events().map(\.cursor).max() ?? 0
            agents[2] = try agent(identities[2], run: "intercepted", caBundle: bundle, proxy: "http://127.0.0.1:\(proxyPort)")
            try await waitUntil("the split view is raised, naming the intercepted agent", seconds: 60) {
                try await api.events(after: before).contains {
                    $0.event.kind == .splitView && $0.event.target == "ubuntu" && ($0.event.details["dissenters"] ?? "").contains("agent-ap")
                }
            }
            let forgedDigest = String(forged.digest.dropFirst("sha256:".count))
            let status = try await api.target("ubuntu")
            #expect(status.views.contains { $0.agent == "agent-ap" && $0.sha256 == forgedDigest }, "\(status.views)")
            #expect(try await api.pinned("ubuntu")?.sha256 == movedDigest, "a minority view never moves the pin")
            #expect(try String(contentsOfFile: proxyLog, encoding: .utf8).contains("CONNECT \(genuine.host)"))
            #expect(try await run(pins, ["resolve", image] + source).stdout.contains(moved.digest))
        }
    }
}

extension KeyFileSamples {
    /// Lower-case hex SHA-256 of `bytes` (what agents attest for a file).
    static func sha256(_ bytes: [UInt8]) -> String { String(OCILayoutBuilder.digest(bytes).dropFirst("sha256:".count)) }
}
