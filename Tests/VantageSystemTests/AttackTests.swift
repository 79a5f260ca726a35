import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

/// The attacker's side of DESIGN.md's threat model, against the real binaries on loopback: real notary-servers, a
/// real coordinator, real agent daemons and the real `vantage pins install` a CI host runs. Each case first shows
/// its positive control accepted, then the attack refused with its stable rule name (exit 12), nothing installed,
/// and the client's trust dir and `--state` file byte for byte unchanged.
@Suite("Attacks on the trust model (real binaries, loopback)", .serialized, .timeLimit(.minutes(5)))
struct AttackTests {
    static let threeRegions: [(id: String, region: String)] = LoopbackSystem.regions.map { (id: $0.0, region: $0.1) }

    // MARK: 1. Re-pointed target

    /// The attacker holds the admin token. Re-adding the pinned target id with an impostor notary-server's URL
    /// (a second real server with another root for the same GUN) is refused with 409 and changes nothing. Removing
    /// the target and adding the impostor under a new id gets it attested by agents that take their targets from
    /// the coordinator — and a CI host running the documented `pins install` for the genuine target and server
    /// never installs it: its trust dir keeps the genuine root, and the impostor's pin is `source_mismatch`.
    @Test func repointedTarget() async throws {
        try await withSystem("atk-repoint") { cleanup in
            let servers = try await startNotaryServers(cleanup, names: ["genuine", "impostor"])
            let genuine = servers[0], impostor = servers[1]
            let gun = "docker.io/vantage-attack/web"
            try await genuine.publish(gun)
            try await impostor.publish(gun)
            let genuineRoot = try await genuine.root(gun), impostorRoot = try await impostor.root(gun)
            try #require(genuineRoot.sha256 != impostorRoot.sha256, "the impostor must serve another root for the GUN")

            let target = NotaryTarget(id: "web", url: genuine.url, gun: gun)
            // Agents take their targets from the coordinator; their operators allow both servers (the attack does
            // not depend on an agent refusing the impostor's URL).
            let system = try await AttackSystem(
                cleanup, agents: Self.threeRegions, coordinatorTargets: [target], agentTargets: [],
                fromCoordinator: [genuine.url, impostor.url], caBundle: genuine.caFile)
            try await system.start()
            try await system.waitForPin("web", genuineRoot.sha256)

            // The CI host's policy is exported before the attack and distributed out of band.
            let ci = try CIHost(cleanup.scratch)
            try await ci.exportPolicy(coordinator: system.coordinatorURL)
            let coordinator = ["--coordinator", system.coordinatorURL]

            // Positive control: the documented install of the genuine target.
            let control = try await ci.install("web", server: genuine.url, coordinator)
            #expect(control.status == 0 && installActions(control).map(\.action) == ["installed"], "control install: \(control)")
            #expect(ci.installedRoot(gun) == genuineRoot.bytes, "the genuine root was not installed")

            // (a) Re-point the existing id at the impostor: 409, and nothing changes.
            let token = system.coordinator.settings.adminToken
            let impostorSpec = TargetSpec(id: "web", kind: .notary, url: impostor.url, gun: gun)
            let attemptedAt = Timestamp(Date())
            let repoint = try await system.api.request("POST", APIPath.targets, token: token, body: try Canonical.encode(impostorSpec))
            #expect(repoint.status == 409, "re-pointing an existing target: HTTP \(repoint.status) \(String(decoding: repoint.body, as: UTF8.self))")
            #expect(try await system.api.target("web").spec.url == genuine.url, "the target's URL changed")
            try await waitUntil("every agent observed the target again after the attempt", seconds: 30) {
                let views = try await system.api.target("web").views
                return views.count == 3 && views.allSatisfy { $0.observedAt.seconds > attemptedAt.seconds + 1 }
            }
            let viewsAfter = try await system.api.target("web").views
            #expect(viewsAfter.allSatisfy { $0.sha256 == genuineRoot.sha256 }, "an agent was pointed elsewhere: \(viewsAfter)")
            #expect(try await system.api.pinned("web")?.sha256 == genuineRoot.sha256)
            let changed = try await system.api.events().contains { $0.event.kind == .sourceChanged }
            #expect(!changed, "a source_changed event was raised")
            let again = try await ci.install("web", server: genuine.url, coordinator)
            #expect(again.status == 0 && installActions(again).map(\.action) == ["unchanged"], "install after the refused re-point: \(again)")

            // (b) Add the impostor under a new id: the agents attest it. The CI host's documented install of the
            //     genuine target is unaffected, and asking for the new id with the genuine server, as its TUF
            //     client uses, is source_mismatch.
            let mirror = TargetSpec(id: "web-mirror", kind: .notary, url: impostor.url, gun: gun)
            let add = try await system.api.request("POST", APIPath.targets, token: token, body: try Canonical.encode(mirror))
            #expect(add.status == 201, "add web-mirror: HTTP \(add.status) \(String(decoding: add.body, as: UTF8.self))")
            let both = try await system.waitForPin("web-mirror", impostorRoot.sha256)
            #expect(both.pins.first { $0.target == "web" }?.sha256 == genuineRoot.sha256)
            let unaffected = try await ci.install("web", server: genuine.url, coordinator)
            #expect(unaffected.status == 0 && installActions(unaffected).map(\.action) == ["unchanged"], "genuine install beside the impostor: \(unaffected)")
            #expect(ci.installedRoot(gun) == genuineRoot.bytes)
            var before = ci.snapshot()
            let mirrorInstall = try await ci.install("web-mirror", server: genuine.url, coordinator)
            expectRefusal(mirrorInstall, rule: PinListVerifier.Rule.sourceMismatch, before: before, after: ci.snapshot(), "impostor under a new id")
            // Also with the GUN given: still the source binding that refuses.
            before = ci.snapshot()
            let withGUN = try await ci.install("web-mirror", server: genuine.url, coordinator + ["--gun", gun])
            expectRefusal(withGUN, rule: PinListVerifier.Rule.sourceMismatch, before: before, after: ci.snapshot(), "impostor with --gun")

            // (c) Remove the genuine target; re-adding its id with the impostor's URL is still refused (a removed
            //     id keeps its source). The genuine install then finds no pin; nothing is installed, the genuine
            //     root stays, and the impostor's pin is still source_mismatch.
            let removal = try await system.api.request("DELETE", "\(APIPath.targets)/web", token: token)
            #expect(removal.status == 204, "remove: HTTP \(removal.status)")
            let readd = try await system.api.request("POST", APIPath.targets, token: token, body: try Canonical.encode(impostorSpec))
            #expect(readd.status == 409, "re-adding a removed id with another source: HTTP \(readd.status)")
            try await waitUntil("the removed target is no longer published", seconds: 30) {
                guard let list = try await system.api.latestPinList() else { return false }
                return !list.pins.contains { $0.target == "web" } && list.pins.contains { $0.target == "web-mirror" }
            }
            before = ci.snapshot()
            let genuineInstall = try await ci.install("web", server: genuine.url, coordinator)
            expectRefusal(genuineInstall, rule: PinListVerifier.Rule.noPin, before: before, after: ci.snapshot(), "genuine target after removal")
            #expect(ci.installedRoot(gun) == genuineRoot.bytes)
            before = ci.snapshot()
            let afterRemoval = try await ci.install("web-mirror", server: genuine.url, coordinator)
            expectRefusal(afterRemoval, rule: PinListVerifier.Rule.sourceMismatch, before: before, after: ci.snapshot(), "impostor after removal")
            #expect(ci.installedRoot(gun) == genuineRoot.bytes)
            let sourceChanged = try await system.api.events().contains { $0.event.kind == .sourceChanged }
            #expect(!sourceChanged, "a source_changed event was raised through the API")
            //     Without --server and with no policy entry for the new id: a usage error before any network call.
            before = ci.snapshot()
            let noServer = try await run(PackagePaths.executable("vantage"), [
                "pins", "install", "--for", "notary", "web-mirror", "--policy", ci.policy, "--state", ci.state, "--trust-dir", ci.trustDir,
                "--coordinator", system.coordinatorURL,
            ])
            #expect(noServer.status == 64, "install without --server: \(noServer)")
            #expect(ci.snapshot() == before, "a usage error touched the trust dir or state")

            // (d) The attacker controls the coordinator's host: the configuration file re-points "web" at the
            //     impostor and the coordinator restarts. A critical source_changed event; nothing carries over, so
            //     the impostor's root is pinned under "web" as a first sight of the new source — and the CI host
            //     refuses it, with --server and with only its policy's target entry.
            await system.coordinator.stop()
            let configURL = URL(fileURLWithPath: system.coordinator.configPath)
            var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
            config["targets"] = [NotaryTarget(id: "web", url: impostor.url, gun: gun).coordinatorLine]
            try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: configURL)
            try await system.coordinator.start()
            let changedEvent = try await waitFor("source_changed event for web", seconds: 30) {
                try await system.api.events().first { $0.event.kind == .sourceChanged && $0.event.target == "web" }?.event
            }
            #expect(changedEvent.severity == .critical)
            let repointed = try await system.waitForPin("web", impostorRoot.sha256)
            let repointedPin = try #require(repointed.pins.first { $0.target == "web" })
            #expect(repointedPin.source.url == RepositorySource.normalise(impostor.url))
            before = ci.snapshot()
            let configRepointed = try await ci.install("web", server: genuine.url, coordinator)
            expectRefusal(configRepointed, rule: PinListVerifier.Rule.sourceMismatch, before: before, after: ci.snapshot(), "web re-pointed by the config file")
            before = ci.snapshot()
            let byPolicy = try await run(PackagePaths.executable("vantage"), [
                "pins", "install", "--for", "notary", "web", "--policy", ci.policy, "--state", ci.state, "--trust-dir", ci.trustDir,
                "--coordinator", system.coordinatorURL, "--format", "json",
            ])
            expectRefusal(byPolicy, rule: PinListVerifier.Rule.sourceMismatch, before: before, after: ci.snapshot(), "web re-pointed, policy target entry only")
            #expect(ci.installedRoot(gun) == genuineRoot.bytes)

            // No list ever bound the impostor's root to the genuine source: every pin of it names the impostor.
            for list in try await system.api.allPinLists() {
                for pin in list.pins where pin.sha256 == impostorRoot.sha256 {
                    #expect(pin.source.url == RepositorySource.normalise(impostor.url), "v\(list.header.signed.version) binds the impostor's root to \(pin.source)")
                }
                for pin in list.pins where pin.source.url == RepositorySource.normalise(genuine.url) {
                    #expect(pin.sha256 == genuineRoot.sha256, "v\(list.header.signed.version) pins another root for the genuine source")
                }
            }
        }
    }

    // MARK: 2. Coordinator-key holder

    /// The attacker has the coordinator's key file and forges lists with the real VantageCore code: the current
    /// pins under another coordinator's name (`coordinator_identity`), an old list (before a real root rotation)
    /// with a fresh `expires` and its old `issued_at` (`rollback` now, `list_too_old` at a later client clock),
    /// the old list made to look fresh (`quorum`: stale attestations), a higher version re-using attestations
    /// older than max_age (`quorum`), a lower version than accepted (`rollback`) and another list under the
    /// accepted version (`equivocation`). Every forged list is first shown valid in form by a forged positive
    /// control (fresh, chained, correctly named), which is accepted.
    @Test func coordinatorKeyHolderResignsOldAndRelabelledLists() async throws {
        try await withSystem("atk-resign") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 1)
            let target = system.targets[0]
            try await system.coordinator.start()
            try system.startAgents()
            try await system.waitForPins()
            let rootV1 = try await system.notary.root(target.gun)
            let oldList = try #require(try await system.api.latestPinList())
            #expect(oldList.pins.first?.sha256 == rootV1.sha256)

            // The publisher rotates its root with the real notary client; the agents follow.
            try await system.notary.rotate(target.gun)
            let rootV2 = try await system.notary.root(target.gun)
            try #require(rootV2.version == 2)
            try await system.waitForPins()

            let ci = try CIHost(cleanup.scratch)
            try await ci.exportPolicy(coordinator: system.coordinatorURL)
            // The CI host also trusts a second coordinator (another operator's, with its own key).
            var policy = try ci.loadPolicy()
            let mirrorKey = SigningIdentity()
            policy.coordinators.append(.init(id: "mirror-coordinator", publicKey: mirrorKey.publicKey))
            try ci.savePolicy(policy)
            let forger = try Forger(keyFile: system.coordinator.directory + "/coordinator.key")
            let coordinatorID = forger.key.publicKey.keyID
            try #require(policy.coordinators.first?.id == coordinatorID)
            let blobs = cleanup.scratch.file("blobs")
            try storeBlob(rootV1, in: blobs)
            try storeBlob(rootV2, in: blobs)

            // Positive control 1: the genuine list through the coordinator.
            let control = try await ci.install(target.id, server: target.url, ["--coordinator", system.coordinatorURL])
            #expect(control.status == 0 && installActions(control).map(\.action) == ["installed"], "control install: \(control)")
            #expect(ci.installedRoot(target.gun) == rootV2.bytes)
            let genuineAccepted = try #require(try ci.accepted()[coordinatorID], "state not kept under the verified coordinator id")
            let current = try await system.api.decode(PinList.self, "\(APIPath.pins)/\(genuineAccepted.version)")
            #expect(current.pins.first?.sha256 == rootV2.sha256)
            let consensus = current.header.signed.policy

            var serial = 0
            /// Writes a forged list and installs it into a fresh trust dir with `--pins` and `--blob-dir`.
            func attempt(_ list: PinList, at: Timestamp? = nil) async throws -> (CommandResult, trustDir: String) {
                serial += 1
                let file = try Forger.write(list, to: cleanup.scratch.file("forged-\(serial).json"))
                let trustDir = try ci.freshTrustDir("trust-\(serial)")
                var extra = ["--pins", file, "--blob-dir", blobs]
                if let at { extra += ["--at", at.description] }
                return (try await ci.install(target.id, server: target.url, trustDir: trustDir, extra), trustDir)
            }
            func refused(_ list: PinList, at: Timestamp? = nil, rule: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
                async throws -> CommandResult
            {
                let stateBefore = FileManager.default.contents(atPath: ci.state).map(Array.init)
                let mainBefore = treeSnapshot(ci.trustDir)
                let (result, trustDir) = try await attempt(list, at: at)
                expectRefusal(
                    result, rule: rule, before: ClientSnapshot(trust: [:], state: stateBefore), after: ci.snapshot(trustDir: trustDir), what,
                    sourceLocation: sourceLocation)
                #expect(treeSnapshot(ci.trustDir) == mainBefore, "\(what): the main trust dir changed", sourceLocation: sourceLocation)
                return result
            }

            // Positive control 2: the key holder's own fresh, chained, correctly named list is accepted.
            while Timestamp(Date()).seconds <= oldList.header.signed.issuedAt.seconds { try await Task.sleep(for: .milliseconds(200)) }
            let now = Timestamp(Date())
            let forgedControl = try forger.list(
                pins: current.pins, version: genuineAccepted.version + 1, issuedAt: now, expires: now.adding(seconds: 600),
                previous: genuineAccepted.digest, policy: consensus)
            let (controlResult, controlDir) = try await attempt(forgedControl)
            #expect(controlResult.status == 0 && installActions(controlResult).map(\.action) == ["installed"], "forged control: \(controlResult)")
            #expect(ci.installedRoot(target.gun, trustDir: controlDir) == rootV2.bytes)
            let accepted = try #require(try ci.accepted()[coordinatorID])
            #expect(accepted.version == forgedControl.header.signed.version, "the forged control was not recorded")
            let acceptedDigest = try forgedControl.header.digest

            // (a) Relabelled: the current pins under the other coordinator's name, as its version 1 (that name has
            //     no rollback state on this host), and under a name the policy does not know.
            _ = try await refused(
                try forger.list(pins: current.pins, version: 1, issuedAt: now, expires: now.adding(seconds: 600), previous: "",
                    policy: consensus, coordinator: "mirror-coordinator"),
                rule: PinListVerifier.Rule.coordinatorIdentity, "(a) relabelled as mirror-coordinator")
            _ = try await refused(
                try forger.list(pins: current.pins, version: accepted.version + 1, issuedAt: now, expires: now.adding(seconds: 600),
                    previous: acceptedDigest, policy: consensus, coordinator: "somebody-else"),
                rule: PinListVerifier.Rule.coordinatorIdentity, "(a) relabelled as an unknown coordinator")

            // (b) The old list (root v1, before the rotation) re-signed with a fresh expires and its old issued_at.
            try #require(oldList.header.signed.issuedAt < forgedControl.header.signed.issuedAt)
            let later = now.adding(seconds: policy.maxListAgeSeconds + policy.skewSeconds + 60)
            let backdated = try forger.list(
                pins: oldList.pins, version: accepted.version + 1, issuedAt: oldList.header.signed.issuedAt,
                expires: later.adding(seconds: 600), previous: acceptedDigest, policy: consensus)
            //     Now: issued before the list this host accepted.
            _ = try await refused(backdated, rule: PinListVerifier.Rule.rollback, "(b) old list, backdated, now")
            //     At a later clock of this host (beyond max_list_age + skew): too old.
            _ = try await refused(backdated, at: later, rule: PinListVerifier.Rule.listTooOld, "(b) old list, backdated, later clock")
            //     Made to look fresh at that clock: its agents' attestations are stale.
            let refreshed = try forger.list(
                pins: oldList.pins, version: accepted.version + 1, issuedAt: later.adding(seconds: -5), expires: later.adding(seconds: 600),
                previous: acceptedDigest, policy: consensus)
            let staleOld = try await refused(refreshed, at: later, rule: PinListVerifier.Rule.quorum, "(b) old list, fresh header, later clock")
            #expect(staleOld.stderr.contains("stale_attestation"), "\(staleOld)")

            // (c) A higher version re-using the current attestations once they are older than max_age.
            let higher = try forger.list(
                pins: current.pins, version: accepted.version + 1, issuedAt: later.adding(seconds: -5), expires: later.adding(seconds: 600),
                previous: acceptedDigest, policy: consensus)
            let staleCurrent = try await refused(higher, at: later, rule: PinListVerifier.Rule.quorum, "(c) higher version, stale attestations")
            #expect(staleCurrent.stderr.contains("stale_attestation"), "\(staleCurrent)")

            // (d) A lower version than accepted: fresh times, genuine pins, and the genuine list it replaced.
            let fresh = Timestamp(Date())
            _ = try await refused(
                try forger.list(pins: current.pins, version: accepted.version - 1, issuedAt: fresh, expires: fresh.adding(seconds: 600),
                    previous: current.header.signed.previous, policy: consensus),
                rule: PinListVerifier.Rule.rollback, "(d) lower version, fresh")
            _ = try await refused(current, rule: PinListVerifier.Rule.rollback, "(d) the genuine list v\(current.header.signed.version) again")
            //     Another list under the accepted version.
            _ = try await refused(
                try forger.list(pins: current.pins, version: accepted.version, issuedAt: fresh.adding(seconds: 1), expires: fresh.adding(seconds: 601),
                    previous: genuineAccepted.digest, policy: consensus),
                rule: PinListVerifier.Rule.equivocation, "(d) another list under the accepted version")
        }
    }

    // MARK: 3. Relaying proxy

    /// A proxy without keys in front of the real coordinator answers the proof request for one target with the
    /// other target's genuine pin and proof (same signed header). Passing through, the install succeeds; swapping,
    /// it is refused with `proof_target`, and nothing of the other target lands in the trust dir. Swapping the blob
    /// instead is `blob_mismatch` — which must not leave a state file or (with two targets asked) the first
    /// target's root behind either.
    @Test func relayingProxySwapsProofs() async throws {
        try await withSystem("atk-proxy") { cleanup in
            let system = try await LoopbackSystem(cleanup, gunCount: 2)
            try await system.coordinator.start()
            try system.startAgents()
            try await system.waitForPins()
            let asked = system.targets[0], other = system.targets[1]
            let askedRoot = try await system.notary.root(asked.gun)

            let ci = try CIHost(cleanup.scratch)
            try await ci.exportPolicy(coordinator: system.coordinatorURL)
            let proxy = RelayProxy(directory: cleanup.scratch.path)
            cleanup.add { proxy.stop() }
            try await proxy.start(upstream: system.coordinatorURL)
            let viaProxy = ["--coordinator", proxy.url]

            // Positive control: the proxy passes everything through.
            let control = try await ci.install(asked.id, server: asked.url, viaProxy)
            #expect(control.status == 0 && installActions(control).map(\.action) == ["installed"], "through the proxy: \(control)")
            #expect(ci.installedRoot(asked.gun) == askedRoot.bytes)
            #expect(proxy.requests().contains { $0.hasPrefix("RELAY /v1/pins/") && $0.contains("/targets/") }, "\(proxy.requests())")

            // The proxy answers the asked target's proof request with the other target's genuine proof.
            try proxy.swap([asked.id: other.id])
            var before = ci.snapshot()
            let swapped = try await ci.install(asked.id, server: asked.url, viaProxy)
            expectRefusal(swapped, rule: PinListVerifier.Rule.proofTarget, before: before, after: ci.snapshot(), "proof of another target")
            #expect(proxy.requests().contains { $0.hasPrefix("SWAP ") && $0.hasSuffix(" 200") }, "the proxy did not swap: \(proxy.requests())")
            #expect(ci.installedRoot(other.gun) == nil)

            // Both asked at once, each answered with the other's proof.
            try proxy.swap([asked.id: other.id, other.id: asked.id])
            before = ci.snapshot()
            let both = try await run(PackagePaths.executable("vantage"), [
                "pins", "install", "--for", "notary", asked.id, other.id, "--policy", ci.policy, "--state", ci.state, "--trust-dir", ci.trustDir,
                "--server", asked.url, "--format", "json", "--coordinator", proxy.url,
            ])
            expectRefusal(both, rule: PinListVerifier.Rule.proofTarget, before: before, after: ci.snapshot(), "two targets, proofs crossed")

            // Passing through again: accepted.
            proxy.passThrough()
            let after = try await ci.install(asked.id, server: asked.url, viaProxy)
            #expect(after.status == 0 && installActions(after).map(\.action) == ["unchanged"], "pass-through again: \(after)")

            // The proxy answers the asked pin's blob with the other target's genuine root bytes, to a fresh
            // ephemeral CI host (no trust dir content, no state yet): blob_mismatch.
            let otherRoot = try await system.notary.root(other.gun)
            try proxy.swap(["\(APIPath.blobs)/\(askedRoot.sha256)": "\(APIPath.blobs)/\(otherRoot.sha256)"])
            let fresh = try CIHost(cleanup.scratch, "ci-fresh")
            try FileManager.default.copyItem(atPath: ci.policy, toPath: fresh.policy)
            before = fresh.snapshot()
            let blobSwapped = try await fresh.install(asked.id, server: asked.url, viaProxy)
            expectRefusal(blobSwapped, rule: PinListVerifier.Rule.blobMismatch, before: before, after: fresh.snapshot(), "blob of another target")
            #expect(proxy.requests().contains { $0.hasPrefix("SWAP \(APIPath.blobs)/") }, "the proxy did not swap the blob: \(proxy.requests())")

            // Two targets in one run, the second one's blob swapped: the run is refused, and nothing may be
            // installed — not even the first target, whose pin and blob are genuine.
            let pair = try CIHost(cleanup.scratch, "ci-pair")
            try FileManager.default.copyItem(atPath: ci.policy, toPath: pair.policy)
            before = pair.snapshot()
            let halfSwapped = try await run(PackagePaths.executable("vantage"), [
                "pins", "install", "--for", "notary", other.id, asked.id, "--policy", pair.policy, "--state", pair.state, "--trust-dir", pair.trustDir,
                "--server", asked.url, "--format", "json", "--coordinator", proxy.url,
            ])
            expectRefusal(halfSwapped, rule: PinListVerifier.Rule.blobMismatch, before: before, after: pair.snapshot(), "second target's blob swapped")
            #expect(pair.installedRoot(other.gun) == nil, "a refused run installed \(other.id)")

            // Not an attack: `--dry-run` ("write nothing") on a fresh host writes neither the trust dir nor state.
            proxy.passThrough()
            let dry = try CIHost(cleanup.scratch, "ci-dry")
            try FileManager.default.copyItem(atPath: ci.policy, toPath: dry.policy)
            before = dry.snapshot()
            let dryRun = try await dry.install(asked.id, server: asked.url, viaProxy + ["--dry-run"])
            #expect(dryRun.status == 0 && installActions(dryRun).map(\.action) == ["would-installed"], "dry run: \(dryRun)")
            #expect(dry.snapshot().trust == before.trust, "--dry-run wrote into the trust dir")
            #expect(dry.snapshot().state == before.state, "--dry-run wrote the state file")
        }
    }

    // MARK: 4. Lopsided regions

    /// Five agents, three in one region and one in each of two others, quorum 3 and min_regions 3: the coordinator
    /// publishes a region-aware selection of attestations and the pin verifies at the client. Controls in the same
    /// test: the same pin re-signed with only the crowded region's attestations (or from two regions) is refused
    /// `quorum`, and so is the genuine list for a client whose own policy puts the us-east agent in eu-west.
    @Test func lopsidedRegions() async throws {
        try await withSystem("atk-regions") { cleanup in
            try await Self.lopsided(
                cleanup,
                agents: [
                    ("agent-eu-1", "eu-west"), ("agent-eu-2", "eu-west"), ("agent-eu-3", "eu-west"), ("agent-us", "us-east"),
                    ("agent-ap", "ap-south"),
                ],
                quorum: 3, minRegions: 3,
                thin: [["agent-eu-1", "agent-eu-2", "agent-eu-3"], ["agent-eu-1", "agent-eu-2", "agent-us"]])
        }
    }

    /// The crowded variant: five agents in one region and one in another, quorum 2 and min_regions 2, so the
    /// coordinator's bound (2 × quorum = 4 attestations) is smaller than the crowded region: the published four
    /// must still include the lone us-east agent.
    @Test func crowdedRegionCannotCrowdOutTheOther() async throws {
        try await withSystem("atk-crowd") { cleanup in
            try await Self.lopsided(
                cleanup,
                agents: [
                    ("agent-eu-1", "eu-west"), ("agent-eu-2", "eu-west"), ("agent-eu-3", "eu-west"), ("agent-eu-4", "eu-west"),
                    ("agent-eu-5", "eu-west"), ("agent-us", "us-east"),
                ],
                quorum: 2, minRegions: 2, thin: [["agent-eu-1", "agent-eu-2", "agent-eu-3", "agent-eu-4", "agent-eu-5"]])
        }
    }

    /// One target watched by `agents`; the published pin carries at most 2 × quorum attestations covering every
    /// region and installs at the client. `thin` agent sets (fewer regions than `minRegions`) re-signed with the
    /// coordinator key are refused `quorum`, and so is the genuine list for a client whose policy moves agent-us
    /// into eu-west (plus an agent in a region nobody attests from, so the policy itself stays usable).
    static func lopsided(
        _ cleanup: Cleanup, agents: [(id: String, region: String)], quorum: Int, minRegions: Int, thin: [[String]]
    ) async throws {
        let notary = try await NotaryServer.startLocal(dir: try cleanup.scratch.directory("notary"))
        cleanup.add { await notary.stop() }
        let gun = "docker.io/vantage-attack/regions"
        try await notary.publish(gun)
        let root = try await notary.root(gun)
        let target = NotaryTarget(id: gun, url: notary.url, gun: gun)
        let regionOf = Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0.region) })
        let allRegions = Set(agents.map(\.region))
        let system = try await AttackSystem(
            cleanup, agents: agents, coordinatorTargets: [target], agentTargets: [target], caBundle: notary.caFile
        ) {
            $0.quorum = quorum
            $0.minRegions = minRegions
        }
        try await system.start()
        // Wait until every agent has attested, so the selection has the whole crowd to choose from.
        try await waitUntil("every agent reports the root", seconds: 60) {
            let views = try await system.api.target(gun).views
            return views.count == agents.count && views.allSatisfy { $0.sha256 == root.sha256 }
        }
        let published = try await system.waitForPin(gun, root.sha256)
        let pin = try #require(published.pins.first { $0.target == gun })
        let regions = Set(pin.attestations.compactMap { regionOf[$0.agent] })
        #expect(pin.attestations.count >= quorum && pin.attestations.count <= 2 * quorum && regions == allRegions,
            "published selection: \(pin.attestations.map(\.agent))")

        let ci = try CIHost(cleanup.scratch)
        try await ci.exportPolicy(coordinator: system.coordinatorURL)
        let policy = try ci.loadPolicy()
        #expect(policy.quorum == quorum && policy.minRegions == minRegions)
        let install = try await ci.install(gun, server: notary.url, ["--coordinator", system.coordinatorURL])
        #expect(install.status == 0 && installActions(install).map(\.action) == ["installed"], "lopsided install: \(install)")
        #expect(ci.installedRoot(gun) == root.bytes)

        // Controls: the accepted list's pin re-signed with fewer regions is refused.
        let forger = try Forger(keyFile: system.keyFile)
        let accepted = try #require(try ci.accepted()[forger.key.publicKey.keyID])
        let current = try await system.api.decode(PinList.self, "\(APIPath.pins)/\(accepted.version)")
        let currentPin = try #require(current.pins.first { $0.target == gun })
        #expect(Set(currentPin.attestations.compactMap { regionOf[$0.agent] }) == allRegions, "\(currentPin.attestations.map(\.agent))")
        let blobs = cleanup.scratch.file("blobs")
        try storeBlob(root, in: blobs)
        for (serial, keep) in thin.enumerated() {
            var thinned = currentPin
            thinned.attestations = currentPin.attestations.filter { keep.contains($0.agent) }
            let kept = Set(thinned.attestations.compactMap { regionOf[$0.agent] })
            try #require(kept.count < minRegions, "control \(serial) must lack a region")
            let now = Timestamp(Date())
            let list = try forger.list(
                pins: [thinned], version: accepted.version + 1, issuedAt: now, expires: now.adding(seconds: 600), previous: accepted.digest,
                policy: current.header.signed.policy)
            let file = try Forger.write(list, to: cleanup.scratch.file("thin-\(serial).json"))
            let trustDir = try ci.freshTrustDir("trust-thin-\(serial)")
            let before = ci.snapshot(trustDir: trustDir)
            let result = try await ci.install(gun, server: notary.url, trustDir: trustDir, ["--pins", file, "--blob-dir", blobs])
            expectRefusal(result, rule: PinListVerifier.Rule.quorum, before: before, after: ci.snapshot(trustDir: trustDir),
                "\(thinned.attestations.count) attestations from \(kept.sorted())")
        }

        // Regions come from the client's policy, never from the statement.
        let other = try CIHost(cleanup.scratch, "ci-other-regions")
        var moved = policy
        moved.agents = policy.agents.map { agent in
            var agent = agent
            if agent.id == "agent-us" { agent.region = "eu-west" }
            return agent
        } + [TrustPolicy.Agent(id: "agent-sa", region: "sa-east", publicKey: SigningIdentity().publicKey)]
        try other.savePolicy(moved)
        let before = other.snapshot()
        let result = try await other.install(gun, server: notary.url, ["--coordinator", system.coordinatorURL])
        expectRefusal(result, rule: PinListVerifier.Rule.quorum, before: before, after: other.snapshot(), "client policy moving agent-us to eu-west")
    }

    // MARK: 5. Notary root with a wrong CN

    /// A real notary-server serves, at the URL the agents fetch for a GUN, a root whose certificate CN is not that
    /// GUN. (notary-server refuses to store such a root for its own GUN — `ErrBadRoot: unable to retrieve valid leaf
    /// certificates` — so the server URL carries a path: agents fetch `{url}/v2/{gun}/…` =
    /// `{server}/v2/acme/v2/{gun}/…`, which the server serves for the GUN `acme/v2/{gun}`, correctly signed and with
    /// the certificate CN of that GUN.) Agents report `notary_rules` observations, nothing is pinned for that target,
    /// and the CI host gets `no_pin`; the control target with the right CN pins and installs. Even a forged list with
    /// a quorum of genuine agent signatures over the wrong-CN root is refused at the client with `notary_rules`.
    @Test func notaryRootWithWrongCommonName() async throws {
        try await withSystem("atk-cn") { cleanup in
            let notary = try await NotaryServer.startLocal(dir: try cleanup.scratch.directory("notary"))
            cleanup.add { await notary.stop() }
            let goodGUN = "docker.io/vantage-attack/good", wrongGUN = "docker.io/vantage-attack/cn"
            let serverGUN = "acme/v2/" + wrongGUN
            try await notary.publish(goodGUN)
            try await notary.publish(serverGUN)
            let good = NotaryTarget(id: goodGUN, url: notary.url, gun: goodGUN)
            let wrong = NotaryTarget(id: wrongGUN, url: notary.url + "/v2/acme", gun: wrongGUN)
            let goodRoot = try await notary.root(goodGUN)
            // What the real server serves at the agents' URL for the wrong target, exactly.
            let wrongRoot = try await NotaryServer(dir: notary.dir, place: .local, url: wrong.url).root(wrongGUN)
            #expect(wrongRoot.bytes == (try await notary.root(serverGUN)).bytes)
            let selfCheck = RootVerifier.selfCheck(wrongRoot)
            try #require(selfCheck.isMet, "the served root must be validly signed")
            try #require(NotaryRootPolicy.evaluate(wrongRoot, gun: serverGUN, at: Date(), selfCheck: selfCheck).isMet)
            let evaluation = NotaryRootPolicy.evaluate(wrongRoot, gun: wrongGUN, at: Date(), selfCheck: selfCheck)
            try #require(!evaluation.isMet && evaluation.findings.contains { $0.code == "cn_mismatch" }, "\(evaluation)")

            let system = try await AttackSystem(
                cleanup, agents: Self.threeRegions, coordinatorTargets: [good, wrong], agentTargets: [good, wrong], caBundle: notary.caFile)
            try await system.start()
            try await system.waitForPin(goodGUN, goodRoot.sha256)
            try await waitUntil("every agent reports notary_rules for the wrong-CN target", seconds: 45) {
                let views = try await system.api.target(wrongGUN).views
                return views.count == 3 && views.allSatisfy { $0.error == "notary_rules" && $0.sha256 == nil }
            }
            // Several more polls and consensus rounds: still nothing pinned for it, in any list.
            let seen = try await system.api.target(wrongGUN).views.map(\.observedAt.seconds).max() ?? 0
            try await waitUntil("agents polled the wrong-CN target again", seconds: 30) {
                try await system.api.target(wrongGUN).views.allSatisfy { $0.observedAt.seconds >= seen + 2 && $0.error == "notary_rules" }
            }
            #expect(try await system.api.target(wrongGUN).pinned == nil)
            for list in try await system.api.allPinLists() {
                #expect(!list.pins.contains { $0.target == wrongGUN || $0.sha256 == wrongRoot.sha256 }, "v\(list.header.signed.version) pins the wrong-CN root")
            }

            let ci = try CIHost(cleanup.scratch)
            try await ci.exportPolicy(coordinator: system.coordinatorURL)
            let coordinator = ["--coordinator", system.coordinatorURL]
            // Control: the right CN installs.
            let control = try await ci.install(goodGUN, server: good.url, coordinator)
            #expect(control.status == 0 && installActions(control).map(\.action) == ["installed"], "control install: \(control)")
            #expect(ci.installedRoot(goodGUN) == goodRoot.bytes)
            var before = ci.snapshot()
            let refusedInstall = try await ci.install(wrongGUN, server: wrong.url, coordinator)
            expectRefusal(refusedInstall, rule: PinListVerifier.Rule.noPin, before: before, after: ci.snapshot(), "wrong-CN target")
            #expect(ci.installedRoot(wrongGUN) == nil)

            // Beyond the threat model: the coordinator key and every agent key sign the wrong-CN root for the
            // wrong target. The client recomputes Notary's rules from the bytes and refuses.
            let forger = try Forger(keyFile: system.keyFile)
            let accepted = try #require(try ci.accepted()[forger.key.publicKey.keyID])
            let current = try await system.api.decode(PinList.self, "\(APIPath.pins)/\(accepted.version)")
            let source = try #require(RepositorySource(kind: .notary, url: wrong.url, gun: wrongGUN))
            let now = Timestamp(Date())
            var attestations: [Attestation] = []
            for identity in system.identities {
                let key = try SigningIdentity(fileContents: try String(contentsOfFile: identity.keyPath, encoding: .utf8))
                let statement = AttestationStatement(
                    agent: identity.id, target: wrongGUN, source: source, sha256: wrongRoot.sha256, observedAt: now, continuity: .firstSight)
                attestations.append(Attestation(
                    agent: identity.id, observedAt: now, continuity: .firstSight,
                    signature: ByteEncoding.base64Encode(try key.sign(try statement.signingBytes))))
            }
            let forgedPin = Pin(target: wrongGUN, source: source, sha256: wrongRoot.sha256, attestations: attestations)
            let forged = try forger.list(
                pins: current.pins + [forgedPin], version: accepted.version + 1, issuedAt: now, expires: now.adding(seconds: 600),
                previous: accepted.digest, policy: current.header.signed.policy)
            let file = try Forger.write(forged, to: cleanup.scratch.file("forged-cn.json"))
            let blobs = cleanup.scratch.file("blobs")
            try storeBlob(wrongRoot, in: blobs)
            before = ci.snapshot()
            let forgedInstall = try await ci.install(wrongGUN, server: wrong.url, ["--pins", file, "--blob-dir", blobs])
            expectRefusal(forgedInstall, rule: PinListVerifier.Rule.notaryRules, before: before, after: ci.snapshot(), "wrong-CN root with a forged quorum")
            #expect(ci.installedRoot(wrongGUN) == nil)
        }
    }
}
