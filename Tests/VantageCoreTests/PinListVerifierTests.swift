import Testing
import VantageCore
import VantageTUF

/// A published history of pin lists v1…v6 by the fleet coordinator, each chained to the one before, with three
/// pins attested by a1 (eu), a2 (us) and a3 (ap) 30 s before issue.
struct PinListWorld: Sendable {
    static let shared: PinListWorld = try! PinListWorld()

    static let issuedAt = Clock.at(-60)
    static let lifetime: Int64 = 3600
    static let observedAt = issuedAt.adding(seconds: -30)
    static let targets = ["t/alpha", "t/beta", "t/gamma"]

    let pins: [Pin]
    /// Lists by version; `lists[5]` is the one under test, `lists[4]` the one accepted before.
    let lists: [Int64: PinList]

    init() throws {
        let roots = RootSet.shared
        pins = try zip(Self.targets, [RootSet.Name.v1, .v2Rotated, .v3Rotated]).map {
            try PinFixtures.attestedPin($0, root: roots.root($1), observedAt: Self.observedAt)
        }
        var lists: [Int64: PinList] = [:]
        var previous = ""
        for version in Int64(1)...6 {
            let list = try Self.build(pins, version: version, previous: previous)
            lists[version] = list
            previous = try list.header.digest
        }
        self.lists = lists
    }

    static func build(
        _ pins: [Pin], version: Int64, previous: String, issuedAt: Timestamp = PinListWorld.issuedAt,
        signer: SigningIdentity = Fleet.shared.coordinator, coordinatorID: String = "coord"
    ) throws -> PinList {
        try PinList.build(
            pins: pins, version: version, issuedAt: issuedAt, lifetimeSeconds: lifetime, previous: previous,
            policy: DecideCase.basePolicy, identity: signer, coordinatorID: coordinatorID)
    }

    func digest(_ version: Int64) -> String { try! lists[version]!.header.digest }
    func accepted(_ version: Int64) -> PinListVerifier.Accepted { .init(version: version, digest: digest(version)) }

    /// v5 rebuilt over `pins` (still chained to v4).
    func v5(pins: [Pin]) throws -> PinList { try Self.build(pins, version: 5, previous: digest(4)) }

    /// The pins with the one for `target` replaced by `pin(target, sha256)`.
    func replacing(_ target: String, _ make: (String, String) throws -> Pin) rethrows -> [Pin] {
        try pins.map { $0.target == target ? try make($0.target, $0.sha256) : $0 }
    }

    /// The pins with `t/alpha` attested by exactly `attestations` (built from its target and digest).
    func alpha(_ attestations: (_ target: String, _ sha256: String) throws -> [Attestation]) throws -> [Pin] {
        try replacing("t/alpha") { target, sha in
            var pin = pins[0]
            pin.attestations = try attestations(target, sha)
            return pin
        }
    }
}

/// What the client verifies: a list, its trust policy and memory, optional targets, and `now`.
struct PinListScenario: Sendable {
    var list: PinList
    var policy: TrustPolicy
    var accepted: PinListVerifier.Accepted?
    var intermediates: [SignedPinListHeader] = []
    var targets: [String]? = nil
    var now: Timestamp = Clock.now

    static var base: PinListScenario {
        let world = PinListWorld.shared
        return PinListScenario(list: world.lists[5]!, policy: Fleet.shared.trustPolicy(), accepted: world.accepted(4))
    }

    /// The client's state: what it accepted from the policy's coordinator `coord`.
    var state: [String: PinListVerifier.Accepted] { accepted.map { ["coord": $0] } ?? [:] }

    func result() -> Result<String, PinListVerifier.Failure> {
        PinListVerifier(policy: policy).verify(
            list, expectations: targets.map { $0.map { PinListVerifier.Expectation(target: $0) } }, state: state,
            intermediates: intermediates, now: now)
    }

    func verify() -> PinListVerifier.Failure? { result().failure }
}

struct PinListCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// `rule target agent` of the expected failure (`-` for no target/agent), or `nil` when the list verifies.
    var expected: String?
    /// Text the failure message must contain (e.g. the rejected attestation's rule).
    var mentions: String? = nil
    var setUp: @Sendable (inout PinListScenario, PinListWorld) throws -> Void

    var testDescription: String { name }

    init(_ name: String, _ expected: String?, mentions: String? = nil, _ setUp: @escaping @Sendable (inout PinListScenario, PinListWorld) throws -> Void) {
        self.name = name
        self.expected = expected
        self.mentions = mentions
        self.setUp = setUp
    }
}

private let fleet = Fleet.shared
private func att(_ agent: String, _ target: String, _ sha: String, at: Timestamp = PinListWorld.observedAt, signer: SigningIdentity? = nil) throws -> Attestation {
    try fleet.attestation(agent, target: target, sha256: sha, observedAt: at, signer: signer)
}

/// Valid pins for "t/café" in NFC and in NFD: distinct bytes, equal Swift strings.
private func equivalentTargetPins() throws -> [Pin] {
    let root = try RootSet.shared.root(.v1)
    return try ["t/caf\u{E9}", "t/cafe\u{301}"].map { try PinFixtures.attestedPin($0, root: root, observedAt: PinListWorld.observedAt) }
}

@Suite("PinListVerifier")
struct PinListVerifierTests {
    static let cases: [PinListCase] = [
        // Lists that verify.
        .init("valid list, next version after the accepted one", nil) { _, _ in },
        .init("valid list on first use (no accepted state)", nil) { s, _ in s.accepted = nil },
        .init("the accepted list itself again (same version, same digest)", nil) { s, w in s.accepted = w.accepted(5) },
        .init("gap of one WITH the correct intermediate", nil) { s, w in
            s.accepted = w.accepted(3); s.intermediates = [w.lists[4]!.header]
        },
        .init("gap of two WITH the correct intermediates", nil) { s, w in
            s.accepted = w.accepted(2); s.intermediates = [w.lists[3]!.header, w.lists[4]!.header]
        },
        .init("one second before expiry (list and attestation age allowed by the policy)", nil) { s, _ in
            s.policy.maxAgeSeconds = 7200; s.policy.maxListAgeSeconds = 7200
            s.now = PinListWorld.issuedAt.adding(seconds: PinListWorld.lifetime - 1)
        },
        .init("issued 300 s in the future (tolerated skew)", nil) { s, _ in s.now = PinListWorld.issuedAt.adding(seconds: -300) },
        .init("version equal to the policy minimum", nil) { s, _ in s.policy.minPinListVersion = 5 },
        .init("attestation exactly max_age + skew before now", nil) { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, at: Clock.at(-1800 - 300))] })
        },
        .init("attestation 300 s after issue (tolerated skew)", nil) { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, at: PinListWorld.issuedAt.adding(seconds: 300))] })
        },
        .init("duplicate attestation of one agent next to another region's agent", nil) { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a1", t, d), try att("a2", t, d)] })
        },
        .init("an extra attestation from an unknown agent is ignored when quorum holds", nil) { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("mallory", t, d, signer: fleet.stranger), try att("a2", t, d)] })
        },
        .init("verifying selected targets ignores a bad pin elsewhere", nil) { s, w in
            s.list = try w.v5(pins: w.replacing("t/gamma") { t, d in PinFixtures.pin(t, root: RootSet.shared.root(.v3Rotated), attestations: [try att("a1", t, d)]) })
            s.targets = ["t/alpha", "t/beta"]
        },
        .init("quorum 3 from 3 regions met", nil) { s, _ in s.policy.quorum = 3; s.policy.minRegions = 3 },

        // Header: signature.
        .init("header signed by a key not in the trust policy", "coordinator_signature - -") { s, w in
            s.list = try PinListWorld.build(w.pins, version: 5, previous: w.digest(4), signer: fleet.stranger)
        },
        .init("header signed by an agent key", "coordinator_signature - -") { s, w in
            s.list = try PinListWorld.build(w.pins, version: 5, previous: w.digest(4), signer: fleet["a1"].identity)
        },
        .init("header expiry extended after signing", "coordinator_signature - -") { s, _ in
            s.list.header.signed.expires = s.list.header.signed.expires.adding(seconds: 86_400 * 365)
        },
        .init("header version raised after signing", "coordinator_signature - -") { s, _ in s.list.header.signed.version = 9 },
        .init("header Merkle root swapped after signing", "coordinator_signature - -") { s, _ in
            s.list.header.signed.merkleRoot = String(repeating: "00", count: 32)
        },
        .init("header policy weakened after signing", "coordinator_signature - -") { s, _ in s.list.header.signed.policy.quorum = 1 },
        .init("header signature is not base64", "coordinator_signature - -") { s, _ in s.list.header.signature = "not base64!" },
        .init("header signature truncated", "coordinator_signature - -") { s, _ in
            s.list.header.signature = String(s.list.header.signature.dropLast(8)) + "===="
        },

        // The client's own trust policy must be usable.
        .init("trust policy lists no coordinator", "trust_policy - -") { s, _ in s.policy.coordinators = [] },
        .init("trust policy with quorum 0 (no attestation would be needed)", "trust_policy - -") { s, w in
            s.policy.quorum = 0; s.policy.minRegions = 0
            s.list = try w.v5(pins: w.alpha { _, _ in [] })
        },
        .init("trust policy naming the coordinator key as an agent", "trust_policy - -") { s, _ in
            s.policy.agents.append(.init(id: "coord-agent", region: "ap", publicKey: fleet.coordinator.publicKey))
        },
        .init("trust policy listing one key under two agent ids", "trust_policy - -") { s, w in
            s.policy.agents.append(.init(id: "a1-alias", region: "us", publicKey: fleet["a1"].identity.publicKey))
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a1-alias", t, d, signer: fleet["a1"].identity)] })
        },

        // Header: time and version.
        .init("expired list (now == expires)", "expired - -") { s, _ in
            s.now = PinListWorld.issuedAt.adding(seconds: PinListWorld.lifetime)
        },
        .init("issued in the future beyond the skew", "issued_in_future - -") { s, _ in s.now = PinListWorld.issuedAt.adding(seconds: -301) },
        .init("version below the policy minimum", "rollback - -") { s, _ in s.policy.minPinListVersion = 6 },
        .init("version below the policy minimum on first use", "rollback - -") { s, _ in s.accepted = nil; s.policy.minPinListVersion = 6 },
        .init("lower version than the accepted list (rollback)", "rollback - -") { s, w in s.accepted = w.accepted(6) },
        .init("issued before the accepted list (backdated to reuse stale attestations)", "rollback - -") { s, w in
            s.accepted = .init(version: 4, digest: w.digest(4), issuedAt: PinListWorld.issuedAt.adding(seconds: 10))
        },
        .init("issued at the same time as the accepted list", nil) { s, w in
            s.accepted = .init(version: 4, digest: w.digest(4), issuedAt: PinListWorld.issuedAt)
        },
        .init("same version, different digest (equivocation)", "equivocation - -") { s, w in
            let fork = try PinListWorld.build(Array(w.pins.prefix(2)), version: 5, previous: w.digest(4))
            s.accepted = .init(version: 5, digest: try fork.header.digest)
        },
        .init("broken chain link (previous names v3, not v4)", "chain - -") { s, w in
            s.list = try PinListWorld.build(w.pins, version: 5, previous: w.digest(3))
        },
        .init("broken chain link (previous empty)", "chain - -") { s, w in s.list = try PinListWorld.build(w.pins, version: 5, previous: "") },
        .init("gap without intermediates", "chain - -") { s, w in s.accepted = w.accepted(3) },
        .init("gap with one of two intermediates", "chain - -") { s, w in s.accepted = w.accepted(2); s.intermediates = [w.lists[4]!.header] },
        .init("gap with intermediates in the wrong order", "chain - -") { s, w in
            s.accepted = w.accepted(2); s.intermediates = [w.lists[4]!.header, w.lists[3]!.header]
        },
        .init("intermediate signed by an unknown key", "chain - -") { s, w in
            s.accepted = w.accepted(3)
            var v4 = w.lists[4]!.header
            v4.signature = try SignedPinListHeader(signing: v4.signed, with: fleet.stranger).signature
            s.intermediates = [v4]
        },
        .init("intermediate with a garbage signature", "chain - -") { s, w in
            s.accepted = w.accepted(3)
            var v4 = w.lists[4]!.header
            v4.signature = "AAAA"
            s.intermediates = [v4]
        },
        .init("intermediate from a fork (signed, right previous, other content)", "chain - -") { s, w in
            s.accepted = w.accepted(3)
            s.intermediates = [try PinListWorld.build(Array(w.pins.prefix(1)), version: 4, previous: w.digest(3)).header]
        },

        // Merkle root.
        .init("pin digest changed after signing", "merkle_root - -") { s, _ in s.list.pins[0].sha256 = RootSet.shared.sha(.v2Replaced) },
        .init("pin gun changed after signing", "merkle_root - -") { s, _ in s.list.pins[1].source.gun = "docker.io/victim/app" },
        .init("pin source url changed after signing", "merkle_root - -") { s, _ in s.list.pins[1].source.url = "https://evil.example" },
        .init("approval added after signing", "merkle_root - -") { s, _ in
            s.list.pins[0].approvals.append(Approval(approver: "alice", approvedAt: Clock.now, signature: ""))
        },
        .init("attestation dropped after signing", "merkle_root - -") { s, _ in s.list.pins[2].attestations.removeLast() },
        .init("pin removed after signing", "merkle_root - -") { s, _ in s.list.pins.remove(at: 1) },
        .init("pin added after signing", "merkle_root - -") { s, w in
            s.list.pins.append(try PinFixtures.attestedPin("t/zeta", observedAt: PinListWorld.observedAt))
        },
        .init("pins reordered after signing", "merkle_root - -") { s, _ in s.list.pins.swapAt(0, 2) },
        .init("selected targets: a pin elsewhere changed, Merkle root still covers it", "merkle_root - -") { s, _ in
            s.list.pins[2].sha256 = RootSet.shared.sha(.v2Replaced)
            s.targets = ["t/alpha"]
        },
        .init("two pins for one target, signed by the coordinator", "pin_order t/alpha -") { s, w in
            let other = try PinFixtures.attestedPin("t/alpha", root: RootSet.shared.root(.v2Replaced), observedAt: PinListWorld.observedAt)
            s.list = try w.v5(pins: w.pins + [other])
            s.targets = ["t/alpha"]
        },
        .init("pins out of target order, signed by the coordinator", "pin_order t/alpha -") { s, w in
            let unsorted = [w.pins[1], w.pins[0], w.pins[2]]
            let leaves = try unsorted.map { MerkleTree.leafHash(try $0.leafBytes) }
            var header = w.lists[5]!.header.signed
            header.merkleRoot = MerkleTree.root(leaves).hex
            s.list = PinList(header: try SignedPinListHeader(signing: header, with: fleet.coordinator), pins: unsorted)
        },

        // Attestations.
        .init("a pin with fewer than quorum valid attestations", "quorum t/alpha -") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d)] })
        },
        .init("a pin with no attestations", "quorum t/alpha -") { s, w in s.list = try w.v5(pins: w.alpha { _, _ in [] }) },
        .init("attestation from an agent not in the trust policy", "quorum t/alpha mallory", mentions: "unknown_agent") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("mallory", t, d, signer: fleet.stranger)] })
        },
        .init("attestation from a fleet agent this client does not trust", "quorum t/alpha a5", mentions: "unknown_agent") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a5", t, d)] })
        },
        .init("attestation signed by the wrong agent's key", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, signer: fleet["a4"].identity)] })
        },
        .init("attestation signed by the coordinator key", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, signer: fleet.coordinator)] })
        },
        .init("attestation for another digest", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, _ in [try att("a1", t, w.pins[0].sha256), try att("a2", t, RootSet.shared.sha(.v2Replaced))] })
        },
        .init("attestation for another target", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", "t/beta", d)] })
        },
        .init("attestation for the same target as another kind", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in
                [try att("a1", t, d), try fleet.attestation(
                    "a2", target: t, source: RepositorySource(kind: .notary, url: SourceFixtures.tuf.url, gun: t)!, sha256: d,
                    observedAt: PinListWorld.observedAt)]
            })
        },
        .init("attestation for the same target under another GUN (install path)", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in
                [try att("a1", t, d), try fleet.attestation(
                    "a2", target: t, source: RepositorySource(kind: .tuf, normalisedURL: SourceFixtures.tuf.url, gun: "victim.example/app"),
                    sha256: d, observedAt: PinListWorld.observedAt)]
            })
        },
        .init("attestation whose observed_at differs from the signed one", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in
                var moved = try att("a2", t, d)
                moved.observedAt = moved.observedAt.adding(seconds: 1)
                return [try att("a1", t, d), moved]
            })
        },
        .init("attestation signature is not base64", "quorum t/alpha a2", mentions: "attestation_signature") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), Attestation(agent: "a2", observedAt: PinListWorld.observedAt, continuity: .same, signature: "%%%")] })
        },
        .init("attestation too old (1 s beyond max_age + skew before now)", "quorum t/alpha a2", mentions: "stale_attestation") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, at: Clock.at(-1800 - 300 - 1))] })
        },
        .init("attestation from the future (beyond skew after issue)", "quorum t/alpha a2", mentions: "future_attestation") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d, at: PinListWorld.issuedAt.adding(seconds: 301))] })
        },
        .init("enough agents but all in one region (min_regions 2)", "quorum t/alpha -") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a4", t, d)] })
        },
        .init("duplicate attestations from one agent count once", "quorum t/alpha -") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a1", t, d), try att("a1", t, d)] })
        },
        .init("one agent re-attesting at several times counts once", "quorum t/alpha -") { s, w in
            s.list = try w.v5(pins: w.alpha { t, d in
                [try att("a1", t, d), try att("a1", t, d, at: PinListWorld.observedAt.adding(seconds: -60))]
            })
        },
        .init("quorum 3 from 3 regions: third region missing", "quorum t/alpha -") { s, w in
            s.policy.quorum = 3; s.policy.minRegions = 3
            s.list = try w.v5(pins: w.alpha { t, d in [try att("a1", t, d), try att("a2", t, d), try att("a4", t, d)] })
        },
        .init("verifying every target finds the bad pin elsewhere", "quorum t/gamma -") { s, w in
            s.list = try w.v5(pins: w.replacing("t/gamma") { t, d in PinFixtures.pin(t, root: RootSet.shared.root(.v3Rotated), attestations: [try att("a1", t, d)]) })
        },

        // Targets.
        .init("target not in the list", "no_pin t/missing -") { s, _ in s.targets = ["t/alpha", "t/missing"] },
        // Distinct bytes, equal Swift strings (NFC and NFD): the byte order holds, and the lookup by target must
        // neither trap nor let one stand in for a missing pin of the other rules.
        .init("canonically equivalent targets, whole list", nil) { s, w in s.list = try w.v5(pins: w.pins + equivalentTargetPins()) },
        .init("canonically equivalent targets, one asked for", nil) { s, w in
            s.list = try w.v5(pins: w.pins + equivalentTargetPins())
            s.targets = ["t/cafe\u{301}", "t/alpha"]
        },
    ]

    @Test("verify", arguments: cases)
    func verify(_ c: PinListCase) throws {
        var scenario = PinListScenario.base
        try c.setUp(&scenario, PinListWorld.shared)
        let failure = scenario.verify()
        #expect(failure?.summary == c.expected, "\(failure.map(String.init(describing:)) ?? "verified")")
        // A list that verifies names the policy id of the key that signed it (the key its state is saved under).
        if c.expected == nil { #expect(scenario.result().coordinator == "coord") }
        if let mentions = c.mentions { #expect(failure?.message.contains(mentions) == true, "\(failure?.message ?? "")") }
    }

    @Test("the world is what the table assumes")
    func worldShape() throws {
        let world = PinListWorld.shared
        for version in Int64(2)...6 {
            #expect(world.lists[version]!.header.signed.previous == world.digest(version - 1))
        }
        #expect(world.lists[1]!.header.signed.previous == "")
        let v5 = world.lists[5]!
        #expect(v5.pins.map(\.target) == PinListWorld.targets)
        #expect(v5.header.signed.pinCount == 3)
        #expect(v5.header.signed.coordinator == "coord")
        #expect(v5.header.signed.expires == PinListWorld.issuedAt.adding(seconds: PinListWorld.lifetime))
        #expect(Set((1...6).map { world.digest(Int64($0)) }).count == 6)
        // The header digest covers `signed` only: re-signing does not change it, so chains are key-independent.
        let resigned = try SignedPinListHeader(signing: v5.header.signed, with: Fleet.shared.coordinator)
        #expect(try resigned.digest == world.digest(5))
    }

    @Test("build sorts pins by target bytes and the wire form round-trips")
    func buildSortsAndRoundTrips() throws {
        let world = PinListWorld.shared
        let list = try PinListWorld.build(Array(world.pins.reversed()), version: 5, previous: world.digest(4))
        #expect(list.pins.map(\.target) == PinListWorld.targets)
        #expect(list.header.signed.merkleRoot == world.lists[5]!.header.signed.merkleRoot)
        let decoded = try Canonical.decode(PinList.self, from: try Canonical.encode(list, pretty: true))
        #expect(decoded == list)
        #expect(PinListVerifier(policy: Fleet.shared.trustPolicy()).verify(decoded, state: ["coord": world.accepted(4)], now: Clock.now).coordinator == "coord")
    }

    @Test("verifyPin on its own refuses an unusable trust policy")
    func verifyPinPolicy() throws {
        var policy = Fleet.shared.trustPolicy()
        policy.quorum = 0
        let pin = PinFixtures.pin("t/alpha", attestations: [])
        let expected = PinListVerifier.Expectation(target: "t/alpha")
        #expect(PinListVerifier(policy: policy).verifyPin(pin, expected: expected, issuedAt: Clock.now, now: Clock.now)?.summary == "trust_policy t/alpha -")
        policy.quorum = 2
        #expect(PinListVerifier(policy: policy).verifyPin(pin, expected: expected, issuedAt: Clock.now, now: Clock.now)?.summary == "quorum t/alpha -")
    }

    @Test("the newest header alone is checked before any bridge; then each link on its own")
    func headerAloneThenLinks() throws {
        let world = PinListWorld.shared
        let verifier = PinListVerifier(policy: Fleet.shared.trustPolicy())
        let state = ["coord": world.accepted(2)]
        // Positive control: v5 on its own, then its links from v2 one by one, then the whole walk as verifyHeader does it.
        #expect(verifier.verifyHeaderAlone(world.lists[5]!.header, state: state, now: Clock.now).coordinator == "coord")
        var previous = world.accepted(2)
        for version in Int64(3)...5 {
            let link = world.lists[version]!.header
            #expect(verifier.verifyChainLink(link, follows: previous, coordinator: "coord", signatureVerified: version == 5) == nil)
            previous = world.accepted(version)
        }
        #expect(verifier.verifyHeader(world.lists[5]!.header, state: state, intermediates: [3, 4].map { world.lists[$0]!.header },
                                      now: Clock.now).coordinator == "coord")

        // A forged newest header: refused with no intermediate at all, as verifyHeader refuses it with them.
        let forged = try PinListWorld.build(world.pins, version: 10_003, previous: world.digest(4), signer: Fleet.shared.stranger).header
        #expect(verifier.verifyHeaderAlone(forged, state: state, now: Clock.now).failure?.rule == "coordinator_signature")
        // Rollback, equivocation and the policy floor are header-alone rules too.
        #expect(verifier.verifyHeaderAlone(world.lists[1]!.header, state: state, now: Clock.now).failure?.rule == "rollback")
        let other = try PinListWorld.build(world.pins, version: 2, previous: world.digest(4)).header
        #expect(verifier.verifyHeaderAlone(other, state: state, now: Clock.now).failure?.rule == "equivocation")
        var floored = Fleet.shared.trustPolicy()
        floored.minPinListVersion = 6
        #expect(PinListVerifier(policy: floored).verifyHeaderAlone(world.lists[5]!.header, state: [:], now: Clock.now).failure?.rule == "rollback")

        // Links: a skipped version, a broken `previous`, another key in the chain.
        #expect(verifier.verifyChainLink(world.lists[4]!.header, follows: world.accepted(2), coordinator: "coord")?.message.contains("missing") == true)
        let unchained = try PinListWorld.build(world.pins, version: 3, previous: world.digest(1)).header
        #expect(verifier.verifyChainLink(unchained, follows: world.accepted(2), coordinator: "coord")?.rule == "chain")
        let foreign = try PinListWorld.build(world.pins, version: 3, previous: world.digest(2), signer: Fleet.shared.stranger).header
        #expect(verifier.verifyChainLink(foreign, follows: world.accepted(2), coordinator: "coord")?.message.contains("not signed") == true)
    }

    @Test("an empty list verifies and has the empty-tree Merkle root")
    func emptyList() throws {
        let list = try PinListWorld.build([], version: 1, previous: "")
        #expect(list.header.signed.merkleRoot == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(PinListVerifier(policy: Fleet.shared.trustPolicy()).verify(list, state: [:], now: Clock.now).coordinator == "coord")
    }
}
