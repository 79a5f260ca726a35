import Foundation
import Testing
import VantageCore
import VantageTestSupport
import VantageTUF

/// `vantage-pins resolve` and `pin`: image tags bound to their registry, repository and tag, verified offline, all or
/// nothing; each attack refused (exit 12, nothing on stdout) beside its accepted control.
@Suite("vantage-pins resolve and pin Dockerfile (black box)")
struct ResolveImageTests {
    typealias World = PinsRefusalTests.World

    /// The world, the digests of two tags and the pins of a list where both are agreed.
    struct Images {
        let w: World
        let noble = World.sha256(Array("manifest of ubuntu:24.04".utf8))
        let jammy = World.sha256(Array("manifest of ubuntu:22.04".utf8))
        let source = try! World.image("ubuntu:24.04")

        init() throws { w = try World() }

        /// `ubuntu` (24.04) and `ubuntu-22` (22.04) pinned by the quorum.
        func genuine() throws -> [Pin] {
            [try w.pin("ubuntu", source, sha256: noble), try w.pin("ubuntu-22", try World.image("ubuntu:22.04"), sha256: jammy)]
        }

        func resolve(_ images: [String], list: PinList, policy: String, state: String? = nil, extra: [String] = []) async throws -> CLI.Result {
            try await CLI.run(["resolve"] + images + ["--policy", policy, "--pins", try w.write(list, "list-\(UUID().uuidString).json"),
                                                      "--state", state ?? w.dir.appendingPathComponent("s-\(UUID().uuidString)").path] + extra,
                              tool: "vantage-pins")
        }
    }

    @Test("resolve prints the consensus reference, by policy target (proofs, from a mirror) or by source (whole list), text or JSON")
    func resolves() async throws {
        let s = try Images()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let list = try s.w.list(pins: try s.genuine())
        let open = try s.w.policy(targets: [], name: "open.json")
        let listed = try s.w.policy(targets: [.init(id: "ubuntu", source: s.source)], name: "listed.json")
        let expected = "docker.io/library/ubuntu:24.04@sha256:\(s.noble)\n"
        for policy in [open, listed] {
            let result = try await s.resolve(["ubuntu:24.04"], list: list, policy: policy)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == expected)
        }
        // Every spelling of the tag is one source.
        let both = try await s.resolve(["registry-1.docker.io/library/ubuntu:24.04", "docker.io/ubuntu:22.04"], list: list, policy: open,
                                       extra: ["--format", "json"])
        #expect(both.status == 0, "\(both.stderr)")
        let reports = try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [[String: Any]]
        #expect(reports?.map { $0["pinned"] as? String } == ["docker.io/library/ubuntu:24.04@sha256:\(s.noble)",
                                                              "docker.io/library/ubuntu:22.04@sha256:\(s.jammy)"])
        #expect(reports?.first?["targets"] as? [String] == ["ubuntu"])

        // Over loopback from a static mirror: the policy's target by its proof, and the whole list by source.
        let folder = s.w.dir.appendingPathComponent("www")
        try World.writeMirror([list], blobs: [], to: folder)
        let server = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"), "--dir", folder.path, "--quiet", "--watch-stdin"])
        defer { server.stop() }
        for policy in [open, listed] {
            let result = try await CLI.run(["resolve", "ubuntu:24.04", "--policy", policy, "--mirror", "http://127.0.0.1:\(server.port)/files",
                                            "--state", s.w.dir.appendingPathComponent("m-\(UUID().uuidString)").path], tool: "vantage-pins")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == expected)
        }
    }

    @Test("a digest attested for another tag, repository or registry is never used: source_mismatch, nothing printed")
    func sourceSwaps() async throws {
        let s = try Images()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let listed = try s.w.policy(targets: [.init(id: "ubuntu", source: s.source)])
        let open = try s.w.policy(targets: [], name: "open.json")
        for other in ["ubuntu:22.04", "debian:24.04", "ghcr.io/library/ubuntu:24.04"] {
            // The agents genuinely attested this digest, but for another source; the coordinator serves it as `ubuntu`.
            let swapped = try s.w.list(pins: [try s.w.pin("ubuntu", try World.image(other), sha256: s.jammy)])
            let refused = try await s.resolve(["ubuntu:24.04"], list: swapped, policy: listed)
            #expect(refused.status == 12 && refused.stdout.isEmpty, "\(other): \(refused.stdout)")
            #expect(refused.stderr.contains("source_mismatch"), "\(other): \(refused.stderr)")
            // Selected by source, the swapped pin is not the image's: no pin for it.
            let unlisted = try await s.resolve(["ubuntu:24.04"], list: swapped, policy: open)
            #expect(unlisted.status == 12 && unlisted.stdout.isEmpty && unlisted.stderr.contains("no_pin"), "\(other): \(unlisted.stderr)")
            // Relabelling the source after signing breaks every attestation.
            var relabelled = try s.w.pin("ubuntu", try World.image(other), sha256: s.jammy)
            relabelled.source = s.source
            let forged = try await s.resolve(["ubuntu:24.04"], list: try s.w.list(pins: [relabelled]), policy: open)
            #expect(forged.status == 12 && forged.stdout.isEmpty && forged.stderr.contains("attestation_signature"), "\(other): \(forged.stderr)")
        }
        // Positive control: the genuine pin under the same policies.
        for policy in [listed, open] {
            let ok = try await s.resolve(["ubuntu:24.04"], list: try s.w.list(pins: try s.genuine()), policy: policy)
            #expect(ok.status == 0 && ok.stdout.contains(s.noble), "\(ok.stderr)")
        }
    }

    @Test("a forged list, a rolled-back list and one image without a pin each refuse the whole run; controls pass")
    func listAttacks() async throws {
        let s = try Images()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let policy = try s.w.policy(targets: [])
        let state = s.w.dir.appendingPathComponent("state.json").path
        let forged = try await s.resolve(["ubuntu:24.04"], list: try s.w.list(pins: try s.genuine(), signer: s.w.stranger), policy: policy)
        #expect(forged.status == 12 && forged.stdout.isEmpty && forged.stderr.contains("coordinator_signature"), "\(forged.stderr)")

        let v1 = try s.w.list(pins: try s.genuine())
        let v2 = try s.w.list(pins: try s.genuine(), version: 2, previous: try v1.header.digest)
        #expect(try await s.resolve(["ubuntu:24.04"], list: v1, policy: policy, state: state).status == 0)
        #expect(try await s.resolve(["ubuntu:24.04"], list: v2, policy: policy, state: state).status == 0)
        let rolledBack = try await s.resolve(["ubuntu:24.04"], list: v1, policy: policy, state: state)
        #expect(rolledBack.status == 12 && rolledBack.stdout.isEmpty && rolledBack.stderr.contains("rollback"), "\(rolledBack.stderr)")

        let partial = try await s.resolve(["ubuntu:24.04", "alpine:3"], list: v2, policy: policy)
        #expect(partial.status == 12 && partial.stdout.isEmpty && partial.stderr.contains("no_pin"), "\(partial.stderr)")
    }

    @Test("from an offline bundle the policy must list every image's target (a bundle cannot show a pin was not left out)")
    func bundle() async throws {
        let c = CITemplateTests.ContentBundle()
        defer { try? FileManager.default.removeItem(at: c.w.dir) }
        let (policy, bundle) = try c.write()
        func resolve(_ policy: String) async throws -> CLI.Result {
            try await CLI.run(["resolve", "ubuntu:24.04", "--policy", policy, "--bundle", bundle,
                               "--state", c.w.dir.appendingPathComponent("s-\(UUID().uuidString)").path], tool: "vantage-pins")
        }
        let unlisted = try await resolve(try c.w.policy(targets: [], name: "open.json"))
        #expect(unlisted.status == 64 && unlisted.stdout.isEmpty && unlisted.stderr.contains("--bundle"), "\(unlisted.stderr)")
        let listed = try await resolve(policy)
        #expect(listed.status == 0 && listed.stdout == c.pinned + "\n", "\(listed.stderr)")
    }

    @Test("a changed tag held by this client's policy needs approvals; with them, or under follow, it resolves")
    func heldChange() async throws {
        let s = try Images()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let approver = (id: "release-lead", key: SigningIdentity())
        let hold = try s.w.policy(targets: [.init(id: "ubuntu", source: s.source, changes: .hold)], approvers: [approver], name: "hold.json")
        let follow = try s.w.policy(targets: [.init(id: "ubuntu", source: s.source, changes: .follow)], approvers: [approver], name: "follow.json")
        let changed = try s.w.list(pins: [try s.w.pin("ubuntu", s.source, sha256: s.noble, continuity: .changed)])
        let held = try await s.resolve(["ubuntu:24.04"], list: changed, policy: hold)
        #expect(held.status == 12 && held.stdout.isEmpty && held.stderr.contains("unapproved_replacement"), "\(held.stderr)")
        let approved = try s.w.list(pins: [try s.w.pin("ubuntu", s.source, sha256: s.noble, continuity: .changed, approvers: [approver])])
        let admitted = try await s.resolve(["ubuntu:24.04"], list: approved, policy: hold)
        #expect(admitted.status == 0 && admitted.stdout.contains(s.noble), "\(admitted.stderr)")
        let followed = try await s.resolve(["ubuntu:24.04"], list: changed, policy: follow)
        #expect(followed.status == 0 && followed.stdout.contains(s.noble), "\(followed.stderr)")
    }

    @Test("pin rewrites FROM and COPY --from= in place keeping AS names and build args; --check; a tag without a pin is refused by line")
    func pinDockerfile() async throws {
        let s = try Images()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let policy = try s.w.policy(targets: [])
        let pins = try s.w.write(try s.w.list(pins: try s.genuine()), "pins.json")
        let dockerfile = s.w.dir.appendingPathComponent("Dockerfile").path
        let original = """
            ARG BASE=ubuntu:24.04
            FROM ubuntu:24.04 AS build
            RUN make
            FROM ${BASE}
            COPY --from=docker.io/library/ubuntu:22.04 /etc/os-release /
            COPY --from=build /out /app

            """
        func run(_ extra: [String], _ list: String = pins) async throws -> CLI.Result {
            try await CLI.run(["pin", dockerfile] + extra + ["--policy", policy, "--pins", list,
                                                            "--state", s.w.dir.appendingPathComponent("s-\(UUID().uuidString)").path], tool: "vantage-pins")
        }
        // A build argument cannot be resolved: refused with its line, the file untouched.
        try original.write(toFile: dockerfile, atomically: true, encoding: .utf8)
        let argument = try await run([])
        #expect(argument.status == 12 && argument.stderr.contains("Dockerfile:4:"), "\(argument.stderr)")
        #expect(try String(contentsOfFile: dockerfile, encoding: .utf8) == original)

        let plain = original.replacingOccurrences(of: "FROM ${BASE}", with: "FROM alpine:3.20")
        try plain.write(toFile: dockerfile, atomically: true, encoding: .utf8)
        let noPin = try await run([])
        #expect(noPin.status == 12 && noPin.stderr.contains("Dockerfile:4: no pin for docker.io/library/alpine:3.20"), "\(noPin.stderr)")
        #expect(try String(contentsOfFile: dockerfile, encoding: .utf8) == plain, "nothing written")
        // The same when the policy lists the tag's target (fetched by proof) and the list lacks it.
        let listed = try s.w.policy(targets: [.init(id: "ubuntu", source: s.source), .init(id: "alpine", source: try World.image("alpine:3.20")),
                                              .init(id: "ubuntu-22", source: try World.image("ubuntu:22.04"))], name: "listed.json")
        let missing = try await CLI.run(["pin", dockerfile, "--policy", listed, "--pins", pins, "--state", s.w.dir.appendingPathComponent("s-listed").path],
                                        tool: "vantage-pins")
        #expect(missing.status == 12 && missing.stderr.contains("Dockerfile:4: no pin for docker.io/library/alpine:3.20 (target alpine"), "\(missing.stderr)")
        #expect(try String(contentsOfFile: dockerfile, encoding: .utf8) == plain, "nothing written")

        let pinnable = original.replacingOccurrences(of: "FROM ${BASE}\n", with: "")
        try pinnable.write(toFile: dockerfile, atomically: true, encoding: .utf8)
        let unpinned = try await run(["--check"])
        #expect(unpinned.status == 12 && unpinned.stdout.contains("Dockerfile:2:") && unpinned.stdout.contains("Dockerfile:4:"), "\(unpinned.stdout)")
        let pinned = try await run([])
        #expect(pinned.status == 0, "\(pinned.stderr)")
        #expect(try String(contentsOfFile: dockerfile, encoding: .utf8) == pinnable
            .replacingOccurrences(of: "FROM ubuntu:24.04 AS build", with: "FROM ubuntu:24.04@sha256:\(s.noble) AS build")
            .replacingOccurrences(of: "--from=docker.io/library/ubuntu:22.04 ", with: "--from=docker.io/library/ubuntu:22.04@sha256:\(s.jammy) "))
        #expect(try await run(["--check"]).status == 0)

        // The tag moved: the file is no longer pinned to the consensus digest.
        let moved = try s.w.write(try s.w.list(pins: [try s.w.pin("ubuntu", s.source, sha256: s.jammy),
                                                      try s.w.pin("ubuntu-22", try World.image("ubuntu:22.04"), sha256: s.jammy)]), "moved.json")
        let stale = try await run(["--check"], moved)
        #expect(stale.status == 12 && stale.stdout.contains("Dockerfile:2:") && !stale.stdout.contains("Dockerfile:4:"), "\(stale.stdout)")
    }
}
