import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

// Adversarial tables for the trust model (DESIGN.md "Trust model — the properties that must hold").
//
// Every case is a pair: `setUp` gives a document the client must accept (the positive control, asserted first), and
// `attack` is the one malicious change, after which the client must refuse with the exact stable rule name.
// Keys are made fresh for each run (`SigningIdentity()`); time is explicit (`Clock.now`).

// MARK: - World

/// Fresh keys for one run: agents a1…a6, two coordinators c1 and c2, approvers alice, bob and carol, a stranger, and
/// c1's earlier lists v1…v4 (empty, each chained to the one before) that the list under test (v5) continues.
struct AttackWorld: Sendable {
    static let shared: AttackWorld = try! AttackWorld()

    /// a1 eu, a2 us, a3 ap, a4 eu, a5 us, a6 eu (a6 is never in the base trust policy).
    static let regions: [(String, String)] = [("a1", "eu"), ("a2", "us"), ("a3", "ap"), ("a4", "eu"), ("a5", "us"), ("a6", "eu")]

    let agents: [String: SigningIdentity]
    let coordinators: [String: SigningIdentity]
    let approvers: [String: SigningIdentity]
    let stranger = SigningIdentity()
    let history: [Int64: PinList]

    init() throws {
        agents = Dictionary(uniqueKeysWithValues: Self.regions.map { ($0.0, SigningIdentity()) })
        coordinators = ["c1": SigningIdentity(), "c2": SigningIdentity()]
        approvers = ["alice": SigningIdentity(), "bob": SigningIdentity(), "carol": SigningIdentity()]
        var history: [Int64: PinList] = [:]
        var previous = ""
        for version in Int64(1)...4 {
            let list = try PinList.build(
                pins: [], version: version, issuedAt: Clock.at(-100_000 + version * 60), lifetimeSeconds: 7200, previous: previous,
                policy: Attack.consensusPolicy, identity: coordinators["c1"]!, coordinatorID: "c1")
            history[version] = list
            previous = try list.header.digest
        }
        self.history = history
    }

    func key(_ ref: KeyRef) -> SigningIdentity {
        switch ref {
        case .agent(let id): agents[id] ?? stranger
        case .coordinator(let id): coordinators[id] ?? stranger
        case .approver(let id): approvers[id] ?? stranger
        case .stranger: stranger
        }
    }

    func region(_ agent: String) -> String { Self.regions.first { $0.0 == agent }?.1 ?? "nowhere" }
    func agentEntry(_ id: String) -> TrustPolicy.Agent { .init(id: id, region: region(id), publicKey: agents[id]!.publicKey) }
    func approverKey(_ id: String) -> ApproverKey { .init(id: id, publicKey: approvers[id]!.publicKey) }
    func digest(_ version: Int64) -> String { try! history[version]!.header.digest }
    func accepted(_ version: Int64) -> PinListVerifier.Accepted {
        .init(version: version, digest: digest(version), issuedAt: history[version]!.header.signed.issuedAt)
    }
}

/// Which key signs something.
enum KeyRef: Sendable, Hashable {
    case agent(String)
    case coordinator(String)
    case approver(String)
    case stranger
}

enum Attack {
    static let world = AttackWorld.shared
    /// The source the client's own TUF client uses for t/x.
    static let sourceA = RepositorySource(kind: .tuf, url: "https://tuf.a.example/metadata", gun: nil)!
    /// A mirror serving (possibly) the same bytes: another source.
    static let mirror = RepositorySource(kind: .tuf, url: "https://mirror.a.example/metadata", gun: nil)!
    static let notaryA = RepositorySource(kind: .notary, url: "https://notary.a.example", gun: "a.example/app")!
    static let notaryOtherGUN = RepositorySource(kind: .notary, url: "https://notary.a.example", gun: "a.example/other")!
    static let notaryOtherServer = RepositorySource(kind: .notary, url: "https://notary.evil.example", gun: "a.example/app")!
    /// Notary kind at sourceA's URL.
    static let notaryAtA = RepositorySource(kind: .notary, url: "https://tuf.a.example/metadata", gun: "a.example/app")!
    static let consensusPolicy = ConsensusPolicy(quorum: 3, minRegions: 3)
    static let sha = RootSet.shared.sha(.v1)
    static let otherSHA = RootSet.shared.sha(.v2Replaced)
    static let targets = ["t/v", "t/w", "t/x", "t/y", "t/z"]

    /// Coordinators c1 and c2; agents a1…a5 (3 regions); quorum 3 from 3 regions; max_age 1800 s, max_list_age
    /// 3600 s, skew 300 s; approvers alice, bob, carol with threshold 2.
    static var policy: TrustPolicy {
        TrustPolicy(
            coordinators: ["c1", "c2"].map { .init(id: $0, publicKey: world.coordinators[$0]!.publicKey) },
            agents: ["a1", "a2", "a3", "a4", "a5"].map(world.agentEntry), quorum: 3, minRegions: 3, maxAgeSeconds: 1800,
            maxListAgeSeconds: 3600, skewSeconds: 300, approvers: ["alice", "bob", "carol"].map(world.approverKey),
            approvalThreshold: 2)
    }
}

/// One attestation as a pin carries it, and what its agent really signed (the `signed…` fields, when they differ).
struct AttSpec: Sendable {
    var agent: String
    /// observed_at − `Clock.now`.
    var observed: Int64 = -90
    var continuity: Continuity = .same
    var key: KeyRef? = nil
    var signedTarget: String? = nil
    var signedSource: RepositorySource? = nil
    var signedSHA: String? = nil
    var signedObserved: Int64? = nil
    var signedContinuity: Continuity? = nil
    var rawSignature: String? = nil

    func make(target: String, source: RepositorySource, sha: String, _ w: AttackWorld) throws -> Attestation {
        let statement = AttestationStatement(
            agent: agent, target: signedTarget ?? target, source: signedSource ?? source, sha256: signedSHA ?? sha,
            observedAt: Clock.at(signedObserved ?? observed), continuity: signedContinuity ?? continuity)
        let signature = try rawSignature ?? ByteEncoding.base64Encode(w.key(key ?? .agent(agent)).sign(try statement.signingBytes))
        return Attestation(agent: agent, observedAt: Clock.at(observed), continuity: continuity, signature: signature)
    }
}

/// One approval as a pin carries it, and what was really signed.
struct ApprSpec: Sendable {
    var approver: String
    /// approved_at − `Clock.now`.
    var at: Int64 = -60
    var key: KeyRef? = nil
    var signedTarget: String? = nil
    var signedSource: RepositorySource? = nil
    var signedSHA: String? = nil
    var signedAt: Int64? = nil
    var rawSignature: String? = nil

    func make(target: String, source: RepositorySource, sha: String, _ w: AttackWorld) throws -> Approval {
        let statement = ApprovalStatement(
            approver: approver, target: signedTarget ?? target, source: signedSource ?? source, sha256: signedSHA ?? sha,
            approvedAt: Clock.at(signedAt ?? at))
        let signature = try rawSignature
            ?? ByteEncoding.base64Encode(w.key(key ?? .approver(approver)).sign(try statement.signingBytes))
        return Approval(approver: approver, approvedAt: Clock.at(at), signature: signature)
    }
}

struct PinSpec: Sendable {
    var target: String
    var source: RepositorySource = Attack.sourceA
    var sha: String = Attack.sha
    var attestations: [AttSpec] = ["a1", "a2", "a3"].map { AttSpec(agent: $0) }
    var approvals: [ApprSpec] = []

    func pin(_ w: AttackWorld) throws -> Pin {
        Pin(
            target: target, source: source, sha256: sha,
            attestations: try attestations.map { try $0.make(target: target, source: source, sha: sha, w) },
            approvals: try approvals.map { try $0.make(target: target, source: source, sha: sha, w) })
    }

    /// Every attestation with `change` applied.
    mutating func eachAttestation(_ change: (inout AttSpec) -> Void) {
        for i in attestations.indices { change(&attestations[i]) }
    }

    /// The attestation of `agent` with `change` applied.
    mutating func attestation(_ agent: String, _ change: (inout AttSpec) -> Void) {
        for i in attestations.indices where attestations[i].agent == agent { change(&attestations[i]) }
    }
}

/// What one client verifies: a list v5 by c1 over t/v…t/z (t/x is the pin asked for), its state (c1 accepted v4),
/// its policy and clock; optionally one pin fetched with its proof instead of the whole list.
struct AttackScenario {
    var world = AttackWorld.shared
    var policy = Attack.policy
    var pins: [PinSpec] = Attack.targets.map { PinSpec(target: $0) }
    var version: Int64 = 5
    /// issued_at − `Clock.now`.
    var issued: Int64 = -60
    var lifetime: Int64 = 7200
    /// `nil`: the digest of c1's list `version − 1`.
    var previous: String? = nil
    var signer: KeyRef = .coordinator("c1")
    var coordinatorID = "c1"
    var state: [String: PinListVerifier.Accepted] = ["c1": AttackWorld.shared.accepted(4)]
    var intermediates: [SignedPinListHeader] = []
    var expectation = PinListVerifier.Expectation(target: "t/x")
    var now = Clock.now
    /// Fetch this target's pin with its inclusion proof instead of the whole list.
    var proofOf: String? = nil
    var tamperProof: (@Sendable (inout PinProof) -> Void)? = nil

    /// The pin asked for.
    var x: PinSpec {
        get { pins[2] }
        set { pins[2] = newValue }
    }

    func list() throws -> PinList {
        let previous = self.previous ?? (version > 1 && version <= 5 ? world.digest(version - 1) : "")
        return try PinList.build(
            pins: try pins.map { try $0.pin(world) }, version: version, issuedAt: Clock.at(issued), lifetimeSeconds: lifetime,
            previous: previous, policy: Attack.consensusPolicy, identity: world.key(signer), coordinatorID: coordinatorID)
    }

    func result() throws -> Result<String, PinListVerifier.Failure> {
        let verifier = PinListVerifier(policy: policy)
        let list = try list()
        guard let proofOf else {
            return verifier.verify(list, expectations: [expectation], state: state, intermediates: intermediates, now: now)
        }
        guard var proof = try list.proof(for: proofOf) else { throw CoreError(.malformedDocument, "no pin for \(proofOf)") }
        tamperProof?(&proof)
        return verifier.verify(proof, expected: expectation, state: state, intermediates: intermediates, now: now)
    }
}

struct AttackCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// The rule the attack must be refused with (one of them, where the design allows either).
    var rules: Set<String>
    /// Text the refusal must mention (the rule that rejected an attestation or approval).
    var mentions: String?
    var setUp: @Sendable (inout AttackScenario) throws -> Void
    var attack: @Sendable (inout AttackScenario) throws -> Void

    var testDescription: String { name }

    init(
        _ name: String, _ rule: String, mentions: String? = nil, setUp: @escaping @Sendable (inout AttackScenario) throws -> Void = { _ in },
        attack: @escaping @Sendable (inout AttackScenario) throws -> Void
    ) {
        self.init(name, rules: [rule], mentions: mentions, setUp: setUp, attack: attack)
    }

    init(
        _ name: String, rules: Set<String>, mentions: String? = nil,
        setUp: @escaping @Sendable (inout AttackScenario) throws -> Void = { _ in },
        attack: @escaping @Sendable (inout AttackScenario) throws -> Void
    ) {
        self.name = name
        self.rules = rules
        self.mentions = mentions
        self.setUp = setUp
        self.attack = attack
    }
}

/// Runs a case: the control must verify (as coordinator `c1` unless the setup signs as c2), then the attack must fail.
func run(_ c: AttackCase) throws {
    var scenario = AttackScenario()
    try c.setUp(&scenario)
    let control = try scenario.result()
    try #require(control.failure == nil, "control refused: \(control.failure.map(String.init(describing:)) ?? "")")
    #expect(control.coordinator == scenario.coordinatorID)
    try c.attack(&scenario)
    let failure = try scenario.result().failure
    #expect(failure.map { c.rules.contains($0.rule) } == true, "expected \(c.rules.sorted()), got \(failure.map(String.init(describing:)) ?? "verified")")
    if let mentions = c.mentions {
        #expect(failure?.message.contains(mentions) == true, "\(failure?.message ?? "")")
    }
}

private typealias Rule = PinListVerifier.Rule

// MARK: - Source binding

@Suite("Trust model attacks: source binding")
struct SourceBindingAttackTests {
    static let cases: [AttackCase] = [
        // The client states its source on the command line (Expectation).
        .init("client states url: agents attested the same target and digest fetched from another URL", Rule.sourceMismatch,
              setUp: { $0.expectation = .init(target: "t/x", source: Attack.sourceA) },
              attack: { $0.x.source = Attack.mirror }),
        .init("client states url only: pin from another URL", Rule.sourceMismatch,
              setUp: { $0.expectation = .init(target: "t/x", url: Attack.sourceA.url) },
              attack: { $0.x.source = Attack.mirror }),
        .init("client states gun: pin for the same server under another GUN (install path)", Rule.sourceMismatch,
              setUp: { $0.x.source = Attack.notaryA; $0.expectation = .init(target: "t/x", source: Attack.notaryA) },
              attack: { $0.x.source = Attack.notaryOtherGUN }),
        .init("client states gun only: pin under another GUN", Rule.sourceMismatch,
              setUp: { $0.x.source = Attack.notaryA; $0.expectation = .init(target: "t/x", gun: Attack.notaryA.gun) },
              attack: { $0.x.source = Attack.notaryOtherGUN }),
        .init("client states notary source: pin from another Notary server, same GUN", Rule.sourceMismatch,
              setUp: { $0.x.source = Attack.notaryA; $0.expectation = .init(target: "t/x", source: Attack.notaryA) },
              attack: { $0.x.source = Attack.notaryOtherServer }),
        .init("client states kind tuf: pin of kind notary at the same URL", Rule.sourceMismatch,
              setUp: { $0.expectation = .init(target: "t/x", kind: .tuf, url: Attack.sourceA.url) },
              attack: { $0.x.source = Attack.notaryAtA }),
        .init("client states kind only: pin of the other kind", Rule.sourceMismatch,
              setUp: { $0.expectation = .init(target: "t/x", kind: .tuf) },
              attack: { $0.x.source = Attack.notaryAtA }),

        // The trust policy states the source (targets entry).
        .init("policy target entry: pin from another URL", Rule.sourceMismatch,
              setUp: { $0.policy.targets = [.init(id: "t/x", source: Attack.sourceA)] },
              attack: { $0.x.source = Attack.mirror }),
        .init("policy target entry: pin under another GUN", Rule.sourceMismatch,
              setUp: { $0.x.source = Attack.notaryA; $0.policy.targets = [.init(id: "t/x", source: Attack.notaryA)] },
              attack: { $0.x.source = Attack.notaryOtherGUN }),
        .init("policy target entry: pin of another kind", Rule.sourceMismatch,
              setUp: { $0.policy.targets = [.init(id: "t/x", source: Attack.sourceA)] },
              attack: { $0.x.source = Attack.notaryAtA }),
        .init("policy target entry and a client URL that agree: pin from a third source", Rule.sourceMismatch,
              setUp: { $0.policy.targets = [.init(id: "t/x", source: Attack.sourceA)]; $0.expectation = .init(target: "t/x", url: Attack.sourceA.url) },
              attack: { $0.x.source = Attack.mirror }),
        .init("policy target entry wins over a client that states nothing else: pin from the client's stated kind but another URL",
              Rule.sourceMismatch,
              setUp: { $0.policy.targets = [.init(id: "t/x", source: Attack.sourceA)]; $0.expectation = .init(target: "t/x", kind: .tuf) },
              attack: { $0.x.source = Attack.mirror }),

        // Re-labelling after the agents signed: the statement no longer verifies, so nothing counts.
        .init("attestations signed for the mirror, pin re-labelled to the client's source", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.expectation = .init(target: "t/x", source: Attack.sourceA) },
              attack: { $0.x.eachAttestation { $0.signedSource = Attack.mirror } }),
        .init("attestations signed for the mirror, pin re-labelled to the policy's source", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.policy.targets = [.init(id: "t/x", source: Attack.sourceA)] },
              attack: { $0.x.eachAttestation { $0.signedSource = Attack.mirror } }),
        .init("attestations signed for the mirror, re-labelled, client states nothing", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.eachAttestation { $0.signedSource = Attack.mirror } }),
        .init("attestations signed under another GUN, re-labelled to the client's GUN", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.x.source = Attack.notaryA; $0.expectation = .init(target: "t/x", source: Attack.notaryA) },
              attack: { $0.x.eachAttestation { $0.signedSource = Attack.notaryOtherGUN } }),
        .init("one attestation of three re-labelled: quorum lost", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.attestation("a3") { $0.signedSource = Attack.mirror } }),
        .init("attestations signed for another target, carried by t/x", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.eachAttestation { $0.signedTarget = "t/y" } }),
        .init("attested source in a non-normal form (agents signed it, client would compare strings)", Rule.schema,
              attack: { $0.x.source = RepositorySource(kind: .tuf, normalisedURL: "https://TUF.a.example:443/metadata/", gun: nil) }),
        .init("tuf source carrying a GUN", Rule.schema,
              attack: { $0.x.source = RepositorySource(kind: .tuf, normalisedURL: Attack.sourceA.url, gun: "a.example/app") }),
        .init("notary source without a GUN", Rule.schema,
              setUp: { $0.x.source = Attack.notaryA },
              attack: { $0.x.source = RepositorySource(kind: .notary, normalisedURL: Attack.notaryA.url, gun: nil) }),
    ]

    @Test("source binding", arguments: cases)
    func sourceBinding(_ c: AttackCase) throws { try run(c) }
}

// MARK: - Continuity and approvals

@Suite("Trust model attacks: continuity verdicts and approvals")
struct ContinuityAttackTests {
    /// The quorum attests t/x as unchained and alice and bob (threshold 2) approved it.
    @Sendable static func approvedUnchained(_ s: inout AttackScenario) {
        s.x.eachAttestation { $0.continuity = .unchained }
        s.x.approvals = [ApprSpec(approver: "alice"), ApprSpec(approver: "bob")]
    }

    static let cases: [AttackCase] = [
        .init("quorum attests unchained, no approvals", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals = [] }),
        .init("approval below threshold (1 of 2)", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals.removeLast() }),
        .init("approval signed by the coordinator key under an approver's name", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].key = .coordinator("c1") }),
        .init("approval signed by the coordinator key under the coordinator's id", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1] = ApprSpec(approver: "c1", key: .coordinator("c1")) }),
        .init("approval signed by an agent key under an approver's name", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].key = .agent("a1") }),
        .init("approval signed by an agent key under the agent's id", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1] = ApprSpec(approver: "a1", key: .agent("a1")) }),
        .init("approval signed by an unknown key under an approver's name", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].key = .stranger }),
        .init("approval by an approver not in the policy", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1] = ApprSpec(approver: "mallory", key: .stranger) }),
        .init("one approver's approval duplicated", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals = [ApprSpec(approver: "alice"), ApprSpec(approver: "alice"), ApprSpec(approver: "alice", at: -120)] }),
        .init("approval for another digest", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].signedSHA = Attack.otherSHA }),
        .init("approval for another target", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].signedTarget = "t/y" }),
        .init("approval for another source", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].signedSource = Attack.mirror }),
        .init("approval time changed after signing", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].signedAt = -60; $0.x.approvals[1].at = -61 }),
        .init("approval signature not base64", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.x.approvals[1].rawSignature = "%%%" }),
        .init("approval dated at now + skew is accepted, one second later is not", Rule.unapprovedReplacement,
              setUp: { approvedUnchained(&$0); $0.x.approvals[1].at = 300 },
              attack: { $0.x.approvals[1].at = 301 }),
        .init("valid approvals, but this client's policy lists no approvers", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.policy.approvers = []; $0.policy.approvalThreshold = 1 }),
        .init("valid approvals, but the client's threshold is 3", Rule.unapprovedReplacement, setUp: approvedUnchained,
              attack: { $0.policy.approvalThreshold = 3 }),
        .init("mix: quorum − 1 continuations + 1 unchained, no approvals", Rule.unapprovedReplacement,
              setUp: { $0.x.eachAttestation { $0.continuity = .rotated } },
              attack: { $0.x.attestation("a3") { $0.continuity = .unchained } }),
        .init("mix: 3 continuations + 1 unchained verify; one continuation turning unchained needs approvals", Rule.unapprovedReplacement,
              setUp: {
                  $0.x.eachAttestation { $0.continuity = .rotated }
                  $0.x.attestations.append(AttSpec(agent: "a4", continuity: .unchained))
              },
              attack: { $0.x.attestation("a3") { $0.continuity = .unchained } }),
        .init("continuations enough in number but from two regions (the third region attests unchained)", Rule.unapprovedReplacement,
              setUp: { $0.x.eachAttestation { $0.continuity = .resigned } },
              attack: {
                  $0.x.attestation("a3") { $0.continuity = .unchained }
                  $0.x.attestations.append(AttSpec(agent: "a4", continuity: .resigned))
              }),
        .init("mix with approvals verifies; dropping one approval refuses", Rule.unapprovedReplacement,
              setUp: {
                  $0.x.eachAttestation { $0.continuity = .firstSight }
                  $0.x.attestation("a3") { $0.continuity = .unchained }
                  $0.x.approvals = [ApprSpec(approver: "bob"), ApprSpec(approver: "carol")]
              },
              attack: { $0.x.approvals.removeFirst() }),
        .init("verdict flipped from unchained to rotated without re-signing (one agent)", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.x.eachAttestation { $0.continuity = .rotated } },
              attack: { $0.x.attestation("a3") { $0.signedContinuity = .unchained } }),
        .init("verdicts flipped from unchained to rotated without re-signing, approvals dropped", Rule.quorum,
              mentions: "attestation_signature", setUp: approvedUnchained,
              attack: {
                  $0.x.approvals = []
                  $0.x.eachAttestation { $0.signedContinuity = .unchained; $0.continuity = .rotated }
              }),
        .init("verdict flipped from unchained to first_sight without re-signing", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.x.eachAttestation { $0.continuity = .firstSight } },
              attack: { $0.x.eachAttestation { $0.signedContinuity = .unchained } }),

        // The coordinator key is never an approver, nor an agent key one (TrustPolicy.problem refuses the policy).
        .init("policy makes the coordinator key an approver", Rule.trustPolicy, setUp: approvedUnchained,
              attack: {
                  $0.policy.approvers[1] = ApproverKey(id: "bob", publicKey: $0.world.coordinators["c1"]!.publicKey)
                  $0.x.approvals[1].key = .coordinator("c1")
              }),
        .init("policy makes an agent key an approver", Rule.trustPolicy, setUp: approvedUnchained,
              attack: {
                  $0.policy.approvers[1] = ApproverKey(id: "bob", publicKey: $0.world.agents["a1"]!.publicKey)
                  $0.x.approvals[1].key = .agent("a1")
              }),
        .init("policy approval threshold above the number of approvers", Rule.trustPolicy, setUp: approvedUnchained,
              attack: { $0.policy.approvalThreshold = 4 }),
        .init("policy lists one approver id twice", Rule.trustPolicy, setUp: approvedUnchained,
              attack: { $0.policy.approvers[2] = ApproverKey(id: "alice", publicKey: $0.world.approvers["carol"]!.publicKey) }),
        .init("policy lists one approver key under two ids (alice counted twice)", Rule.trustPolicy,
              setUp: approvedUnchained,
              attack: {
                  $0.policy.approvers[1] = ApproverKey(id: "bob", publicKey: $0.world.approvers["alice"]!.publicKey)
                  $0.x.approvals[1].key = .approver("alice")
              }),
    ]

    @Test("continuity and approvals", arguments: cases)
    func continuity(_ c: AttackCase) throws { try run(c) }

    @Test("every verified-continuation verdict verifies without approvals; unchained alone never does", arguments: Continuity.allCases)
    func verdicts(_ verdict: Continuity) throws {
        var s = AttackScenario()
        s.x.eachAttestation { $0.continuity = verdict }
        let failure = try s.result().failure
        if verdict.isVerifiedContinuation {
            #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")")
        } else {
            #expect(failure?.rule == Rule.unapprovedReplacement)
            #expect(failure?.message.contains("a1, a2, a3") == true, "\(failure?.message ?? "")")
        }
    }
}

// MARK: - Freshness at the client's clock

@Suite("Trust model attacks: freshness at the client's clock")
struct FreshnessAttackTests {
    static let cases: [AttackCase] = [
        .init("replayed list: attestations fresh at issued_at but older than max_age at now", Rule.quorum, mentions: "stale_attestation",
              setUp: {
                  $0.policy.maxListAgeSeconds = 86_400
                  $0.issued = -3000
                  $0.x.eachAttestation { $0.observed = -3030 }
                  $0.now = Clock.at(-2900)
              },
              attack: { $0.now = Clock.now }),
        .init("stale boundary: attestations exactly max_age + skew old verify, one second older do not", Rule.quorum,
              mentions: "stale_attestation",
              setUp: { $0.x.eachAttestation { $0.observed = -1800 - 300 } },
              attack: { $0.x.eachAttestation { $0.observed = -1800 - 300 - 1 } }),
        .init("stale boundary: one attestation of three one second too old", Rule.quorum, mentions: "stale_attestation",
              setUp: { $0.x.attestation("a2") { $0.observed = -2100 } },
              attack: { $0.x.attestation("a2") { $0.observed = -2101 } }),
        .init("list age boundary: issued exactly max_list_age + skew ago verifies, one second earlier is list_too_old",
              Rule.listTooOld,
              setUp: {
                  $0.policy.maxAgeSeconds = 7200
                  $0.issued = -3600 - 300
                  $0.x.eachAttestation { $0.observed = -3600 - 300 - 30 }
              },
              attack: { $0.issued = -3600 - 300 - 1 }),
        .init("list replayed later: younger than max_list_age when issued, older at the client's now", Rule.listTooOld,
              setUp: { $0.policy.maxListAgeSeconds = 86_400; $0.issued = -5000; $0.x.eachAttestation { $0.observed = -5030 }; $0.now = Clock.at(-4900) },
              attack: { $0.policy.maxListAgeSeconds = 3600; $0.now = Clock.now }),
        .init("issued in the future: exactly now + skew verifies, one second more is issued_in_future", Rule.issuedInFuture,
              setUp: { $0.issued = 300; $0.x.eachAttestation { $0.observed = -30 } },
              attack: { $0.issued = 301 }),
        .init("issued in the future under a policy with zero skew", Rule.issuedInFuture,
              setUp: { $0.policy.skewSeconds = 0; $0.issued = 0; $0.x.eachAttestation { $0.observed = 0 } },
              attack: { $0.issued = 1 }),
        .init("attestation after now + skew (list issued within the skew)", Rule.quorum, mentions: "future_attestation",
              setUp: { $0.issued = 200; $0.x.attestation("a3") { $0.observed = 300 } },
              attack: { $0.x.attestation("a3") { $0.observed = 301 } }),
        .init("attestation after issued_at + skew (list issued long before now)", Rule.quorum, mentions: "future_attestation",
              setUp: { $0.issued = -1000; $0.x.eachAttestation { $0.observed = -1030 }; $0.x.attestation("a3") { $0.observed = -700 } },
              attack: { $0.x.attestation("a3") { $0.observed = -699 } }),
        .init("attestation time moved forward after signing to look fresh", Rule.quorum, mentions: "attestation_signature",
              setUp: { $0.x.eachAttestation { $0.observed = -2000 } },
              attack: { $0.x.attestation("a3") { $0.signedObserved = -2500; $0.observed = -2000 } }),
        .init("expiry: one second before expires verifies, at expires is expired", Rule.expired,
              setUp: { $0.lifetime = 61 },
              attack: { $0.lifetime = 60 }),
    ]

    @Test("freshness", arguments: cases)
    func freshness(_ c: AttackCase) throws { try run(c) }
}

// MARK: - Header identity, rollback, equivocation, chain

@Suite("Trust model attacks: header identity, rollback and chain")
struct HeaderAttackTests {
    static let cases: [AttackCase] = [
        // Identity: the header must carry the policy id of the key that verified it.
        .init("key holder c1 names the other policy coordinator c2 in the header", Rule.coordinatorIdentity,
              attack: { $0.coordinatorID = "c2" }),
        .init("key holder c1 names its key ID in the header", Rule.coordinatorIdentity,
              attack: { $0.coordinatorID = $0.world.coordinators["c1"]!.publicKey.keyID }),
        .init("key holder c1 names an id the policy does not know", Rule.coordinatorIdentity,
              attack: { $0.coordinatorID = "c1-backup" }),
        .init("key holder c1 leaves the header's coordinator empty", Rule.coordinatorIdentity,
              attack: { $0.coordinatorID = "" }),
        .init("key holder c2 names c1 (to use c1's state, or to look like c1)", Rule.coordinatorIdentity,
              setUp: { $0.signer = .coordinator("c2"); $0.coordinatorID = "c2"; $0.state = [:]; $0.version = 1; $0.previous = "" },
              attack: { $0.coordinatorID = "c1" }),
        .init("rolled-back list (v3 < accepted v4) relabelled to the other coordinator's id", rules: [Rule.coordinatorIdentity, Rule.rollback],
              attack: { $0.version = 3; $0.coordinatorID = "c2" }),
        .init("rolled-back list relabelled to an id with no saved state", rules: [Rule.coordinatorIdentity, Rule.rollback],
              attack: { $0.version = 3; $0.coordinatorID = "c1-new" }),
        .init("rolled-back list under its own id", Rule.rollback, attack: { $0.version = 3 }),
        // Signature.
        .init("header signed by a key the policy does not list", Rule.coordinatorSignature, attack: { $0.signer = .stranger }),
        .init("header signed by an agent key", Rule.coordinatorSignature, attack: { $0.signer = .agent("a1") }),
        .init("header signed by an approver key", Rule.coordinatorSignature, attack: { $0.signer = .approver("alice") }),
        .init("header signed by a coordinator key the client's policy has dropped", Rule.coordinatorSignature,
              setUp: { $0.signer = .coordinator("c2"); $0.coordinatorID = "c2"; $0.state = [:]; $0.version = 1; $0.previous = "" },
              attack: { $0.policy.coordinators.removeAll { $0.id == "c2" } }),
        // Rollback, equivocation and the hash chain.
        .init("version lower than accepted (accepted v6, served v5)", Rule.rollback,
              attack: { $0.state["c1"] = .init(version: 6, digest: "v6-digest") }),
        .init("version below the policy's minimum on a host with no state", Rule.rollback,
              setUp: { $0.state = [:]; $0.policy.minPinListVersion = 5 },
              attack: { $0.policy.minPinListVersion = 6 }),
        .init("same version as accepted, other digest (equivocation)", Rule.equivocation,
              attack: { s in
                  var fork = s
                  fork.pins.removeLast()
                  s.state["c1"] = .init(version: 5, digest: try fork.list().header.digest)
              }),
        .init("issued_at earlier than the accepted list's", Rule.rollback,
              attack: { $0.state["c1"]!.issuedAt = Clock.at(-59) }),
        .init("gap without intermediates", Rule.chain, attack: { $0.state["c1"] = $0.world.accepted(3) }),
        .init("gap with the intermediate left out of two", Rule.chain,
              setUp: { $0.state["c1"] = $0.world.accepted(2); $0.intermediates = [$0.world.history[3]!.header, $0.world.history[4]!.header] },
              attack: { $0.intermediates.removeFirst() }),
        .init("previous names v3 instead of v4", Rule.chain, attack: { $0.previous = $0.world.digest(3) }),
        .init("chain link (genuine v4 content) re-signed by the other coordinator of the policy", Rule.chain,
              setUp: { $0.state["c1"] = $0.world.accepted(3); $0.intermediates = [$0.world.history[4]!.header] },
              attack: { s in
                  s.intermediates = [try SignedPinListHeader(signing: s.world.history[4]!.header.signed, with: s.world.coordinators["c2"]!)]
              }),
        .init("chain link by the other coordinator under its own id", Rule.chain,
              setUp: { $0.state["c1"] = $0.world.accepted(3); $0.intermediates = [$0.world.history[4]!.header] },
              attack: { s in
                  var header = s.world.history[4]!.header.signed
                  header.coordinator = "c2"
                  let link = try SignedPinListHeader(signing: header, with: s.world.coordinators["c2"]!)
                  s.intermediates = [link]
                  s.previous = try link.digest
              }),
        .init("chain link signed by c1 but naming c2", Rule.chain,
              setUp: { $0.state["c1"] = $0.world.accepted(3); $0.intermediates = [$0.world.history[4]!.header] },
              attack: { s in
                  var header = s.world.history[4]!.header.signed
                  header.coordinator = "c2"
                  let link = try SignedPinListHeader(signing: header, with: s.world.coordinators["c1"]!)
                  s.intermediates = [link]
                  s.previous = try link.digest
              }),
    ]

    @Test("header", arguments: cases)
    func header(_ c: AttackCase) throws { try run(c) }

    @Test("a policy with two coordinators keeps separate state under the verified ids")
    func separateState() throws {
        let world = AttackWorld.shared
        // c2's own first list, while this host has accepted c1's v4: not a rollback of c1's history.
        var c2 = AttackScenario()
        c2.signer = .coordinator("c2"); c2.coordinatorID = "c2"; c2.version = 1; c2.previous = ""
        #expect(try c2.result().coordinator == "c2")
        // c2's v1 against state that says c2 was at v2: rollback — c2's state is c2's.
        c2.state["c2"] = .init(version: 2, digest: "whatever")
        #expect(try c2.result().failure?.rule == Rule.rollback)
        // c1's state is untouched by c2's entry: c1's v5 still verifies against c1's v4.
        var c1 = AttackScenario()
        c1.state["c2"] = .init(version: 99, digest: "whatever")
        #expect(try c1.result().coordinator == "c1")
        // c1's v3 is a rollback of c1's v4 whatever c2's state says.
        c1.version = 3
        #expect(try c1.result().failure?.rule == Rule.rollback)
        // c2 signing a v5 that continues c1's v4 (same previous digest) is checked against c2's state, not c1's.
        var cross = AttackScenario()
        cross.signer = .coordinator("c2"); cross.coordinatorID = "c2"
        cross.state = ["c1": world.accepted(4), "c2": .init(version: 3, digest: "c2-v3")]
        #expect(try cross.result().failure?.rule == Rule.chain)
        cross.state["c2"] = nil
        #expect(try cross.result().coordinator == "c2")
    }

    @Test("the verified id is the one to save state under: accepting, then re-verifying the same list")
    func saveUnderVerifiedID() throws {
        var s = AttackScenario()
        let list = try s.list()
        let id = try #require(try s.result().coordinator)
        s.state[id] = .init(version: list.header.signed.version, digest: try list.header.digest, issuedAt: list.header.signed.issuedAt)
        #expect(try s.result().coordinator == "c1")
        // And an equivocating v5 is now refused.
        s.pins.removeFirst()
        #expect(try s.result().failure?.rule == Rule.equivocation)
    }
}

// MARK: - Proofs

@Suite("Trust model attacks: inclusion proofs")
struct ProofAttackTests {
    static let cases: [AttackCase] = [
        .init("genuine proof of t/y returned for a request of t/x", Rule.proofTarget,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.proofOf = "t/y" }),
        .init("genuine proof of t/y returned for t/x, client states t/x's source (also t/y's)", Rule.proofTarget,
              setUp: { $0.proofOf = "t/x"; $0.expectation = .init(target: "t/x", source: Attack.sourceA) }, attack: { $0.proofOf = "t/y" }),
        .init("proof of t/y with its pin relabelled t/x", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.proofOf = "t/y"; $0.tamperProof = { $0.pin.target = "t/x" } }),
        .init("tampered path: one bit flipped", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" },
              attack: { $0.tamperProof = { p in
                  var hash = bytes(hex: p.path[0])
                  hash[0] ^= 0x01
                  p.path[0] = hash.hex
              } }),
        .init("tampered path: element dropped", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.path.removeLast() } }),
        .init("tampered path: element added", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.path.append(String(repeating: "00", count: 32)) } }),
        .init("wrong index (+1)", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.index += 1 } }),
        .init("wrong index (−1)", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.index -= 1 } }),
        .init("index beyond the list", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.index = 5 } }),
        .init("proven pin's digest swapped", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.pin.sha256 = Attack.otherSHA } }),
        .init("proven pin's source swapped to the client's stated source", Rule.inclusionProof,
              setUp: { $0.proofOf = "t/x"; $0.expectation = .init(target: "t/x", source: Attack.sourceA) },
              attack: { s in
                  s.x.source = Attack.mirror
                  s.expectation = .init(target: "t/x", source: Attack.sourceA)
                  s.tamperProof = { $0.pin.source = Attack.sourceA }
              }),
        .init("proof header's pin count changed", Rule.coordinatorSignature,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.tamperProof = { $0.header.signed.pinCount = 8 } }),
        .init("proven pin short of quorum", Rule.quorum,
              setUp: { $0.proofOf = "t/x" }, attack: { $0.x.attestations.removeLast() }),
        .init("proven pin from another source than the client states", Rule.sourceMismatch,
              setUp: { $0.proofOf = "t/x"; $0.expectation = .init(target: "t/x", source: Attack.sourceA) },
              attack: { $0.x.source = Attack.mirror }),
    ]

    @Test("proofs", arguments: cases)
    func proofs(_ c: AttackCase) throws { try run(c) }
}

// MARK: - Quorum and regions

@Suite("Trust model attacks: quorum and regions")
struct QuorumAttackTests {
    static let cases: [AttackCase] = [
        .init("one agent attesting three times counts once", Rule.quorum,
              attack: { $0.x.attestations = [AttSpec(agent: "a1"), AttSpec(agent: "a1", observed: -100), AttSpec(agent: "a1", observed: -110), AttSpec(agent: "a2")] }),
        .init("one key under two agent ids is refused by the policy", Rule.trustPolicy,
              attack: { s in
                  s.policy.agents.append(.init(id: "a1-alias", region: "ap", publicKey: s.world.agents["a1"]!.publicKey))
                  s.x.attestations = [AttSpec(agent: "a1"), AttSpec(agent: "a1-alias", key: .agent("a1")), AttSpec(agent: "a2")]
              }),
        .init("coordinator key listed as an agent is refused by the policy", Rule.trustPolicy,
              attack: { s in
                  s.policy.agents.append(.init(id: "c1-agent", region: "ap", publicKey: s.world.coordinators["c1"]!.publicKey))
                  s.x.attestations = [AttSpec(agent: "a1"), AttSpec(agent: "a2"), AttSpec(agent: "c1-agent", key: .coordinator("c1"))]
              }),
        .init("min_regions from policy regions: three agents, two regions (a1, a4 both eu)", Rule.quorum,
              attack: { $0.x.attestations = ["a1", "a4", "a2"].map { AttSpec(agent: $0) } }),
        .init("min_regions: five agents of two regions", Rule.quorum,
              attack: { $0.x.attestations = ["a1", "a2", "a4", "a5"].map { AttSpec(agent: $0) } }),
        .init("unknown agent is ignored: it cannot replace a policy agent", Rule.quorum, mentions: "unknown_agent",
              setUp: { $0.x.attestations.append(AttSpec(agent: "mallory", key: .stranger)) },
              attack: { $0.x.attestations.removeAll { $0.agent == "a3" } }),
        .init("fleet agent this client's policy does not list (a6) cannot replace a policy agent", Rule.quorum, mentions: "unknown_agent",
              attack: { $0.x.attestations = ["a1", "a2", "a6"].map { AttSpec(agent: $0) } }),
        .init("attestation for a policy agent signed by the coordinator key", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.attestation("a3") { $0.key = .coordinator("c1") } }),
        .init("attestation for a policy agent signed by another agent's key", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.attestation("a3") { $0.key = .agent("a5") } }),
        .init("attestation signed for another digest", Rule.quorum, mentions: "attestation_signature",
              attack: { $0.x.attestation("a3") { $0.signedSHA = Attack.otherSHA } }),
        .init("pin digest not lowercase hex", Rule.schema, attack: { $0.x.sha = Attack.sha.uppercased() }),
        .init("policy quorum 0", Rule.trustPolicy, attack: { $0.policy.quorum = 0 }),
    ]

    @Test("quorum and regions", arguments: cases)
    func quorum(_ c: AttackCase) throws { try run(c) }

    @Test("an attestation cannot claim a region: the signed statement has none")
    func noRegionInStatement() throws {
        let statement = AttestationStatement(
            agent: "a1", target: "t/x", source: Attack.sourceA, sha256: Attack.sha, observedAt: Clock.now, continuity: .same)
        let text = String(decoding: try statement.signingBytes, as: UTF8.self)
        #expect(!text.contains("region"))
        let attestation = try AttSpec(agent: "a1").make(target: "t/x", source: Attack.sourceA, sha: Attack.sha, AttackWorld.shared)
        #expect(!String(decoding: try Canonical.encode(attestation), as: UTF8.self).contains("region"))
        // Moving a4 (eu) to "ap" in the client's policy is what makes a4 count for ap; nothing in the pin can.
        var s = AttackScenario()
        s.x.attestations = ["a1", "a4", "a2"].map { AttSpec(agent: $0) }
        #expect(try s.result().failure?.rule == Rule.quorum)
        s.policy.agents[3].region = "ap"
        #expect(try s.result().failure == nil)
    }
}

// MARK: - Region-aware selection

/// A selection candidate (selection never checks signatures; clients do).
func candidate(_ agent: String, _ region: String, observed: Int64 = -10, continuity: Continuity = .same) -> AttestationSelection.Candidate {
    .init(attestation: Attestation(agent: agent, observedAt: Clock.at(observed), continuity: continuity, signature: ""), region: region)
}

@Suite("AttestationSelection.select")
struct AttestationSelectionTests {
    /// r1…r5 in region A (freshest), b1 in B, c1 in C (older).
    static let crowded: [AttestationSelection.Candidate] =
        (1...5).map { candidate("r\($0)", "A", observed: -Int64($0)) } + [candidate("b1", "B", observed: -100), candidate("c1", "C", observed: -200)]

    static func regions(_ selected: [Attestation], in candidates: [AttestationSelection.Candidate]) -> Set<String> {
        Set(selected.compactMap { a in candidates.first { $0.attestation.agent == a.agent }?.region })
    }

    @Test("five agents in one region cannot crowd out the others", arguments: [3, 4, 5, 7, 10])
    func crowdedRegion(_ bound: Int) throws {
        let selected = try #require(AttestationSelection.select(Self.crowded, quorum: 3, minRegions: 3, bound: bound))
        #expect(Self.regions(selected, in: Self.crowded) == ["A", "B", "C"])
        #expect(selected.count == min(bound, Self.crowded.count))
        #expect(Set(selected.map(\.agent)).count == selected.count)
        #expect(selected.contains { $0.agent == "b1" } && selected.contains { $0.agent == "c1" })
    }

    @Test("a bound below quorum still yields quorum attestations")
    func boundBelowQuorum() throws {
        let selected = try #require(AttestationSelection.select(Self.crowded, quorum: 3, minRegions: 3, bound: 1))
        #expect(selected.count == 3)
        #expect(Self.regions(selected, in: Self.crowded) == ["A", "B", "C"])
    }

    @Test("verified continuations are preferred over unchained attestations when they satisfy the policy")
    func prefersContinuations() throws {
        // Fresher unchained attestations in every region, and older continuations in every region.
        let candidates = [
            candidate("u1", "A", observed: -1, continuity: .unchained), candidate("u2", "B", observed: -1, continuity: .unchained),
            candidate("u3", "C", observed: -1, continuity: .unchained),
            candidate("k1", "A", observed: -500, continuity: .rotated), candidate("k2", "B", observed: -500, continuity: .resigned),
            candidate("k3", "C", observed: -500, continuity: .firstSight),
        ]
        let selected = try #require(AttestationSelection.select(candidates, quorum: 3, minRegions: 3, bound: 3))
        #expect(Set(selected.map(\.agent)) == ["k1", "k2", "k3"])
        #expect(selected.allSatisfy { $0.continuity.isVerifiedContinuation })
    }

    @Test("when continuations alone cannot satisfy, unchained attestations fill the regions")
    func fallsBackToUnchained() throws {
        let candidates = [
            candidate("k1", "A", continuity: .rotated), candidate("k2", "A", continuity: .rotated), candidate("k3", "B", continuity: .rotated),
            candidate("u1", "C", continuity: .unchained),
        ]
        let selected = try #require(AttestationSelection.select(candidates, quorum: 3, minRegions: 3, bound: 3))
        #expect(Self.regions(selected, in: candidates) == ["A", "B", "C"])
        #expect(selected.contains { $0.agent == "u1" })
    }

    @Test("nil when no subset can satisfy the policy", arguments: [
        ("two regions for min_regions 3", [candidate("a", "A"), candidate("b", "A"), candidate("c", "B"), candidate("d", "B")], 3, 3),
        ("fewer agents than quorum", [candidate("a", "A"), candidate("b", "B")], 3, 2),
        ("one agent many times", [candidate("a", "A"), candidate("a", "B", observed: -20), candidate("a", "C", observed: -30)], 3, 1),
        ("no candidates", [], 1, 1),
    ] as [(String, [AttestationSelection.Candidate], Int, Int)])
    func impossible(_ name: String, _ candidates: [AttestationSelection.Candidate], _ quorum: Int, _ minRegions: Int) {
        #expect(AttestationSelection.select(candidates, quorum: quorum, minRegions: minRegions, bound: 10) == nil, "\(name)")
    }

    @Test("one attestation per agent: its continuation first, then its freshest")
    func onePerAgent() throws {
        let candidates = [
            candidate("a", "A", observed: -1, continuity: .unchained), candidate("a", "A", observed: -50, continuity: .same),
            candidate("a", "A", observed: -60, continuity: .same),
            candidate("b", "B", observed: -5), candidate("b", "B", observed: -3),
            candidate("c", "C", observed: -7),
        ]
        let selected = try #require(AttestationSelection.select(candidates, quorum: 3, minRegions: 3, bound: 10))
        #expect(selected.map(\.agent).sorted() == ["a", "b", "c"])
        #expect(selected.first { $0.agent == "a" }?.observedAt == Clock.at(-50))
        #expect(selected.first { $0.agent == "a" }?.continuity == .same)
        #expect(selected.first { $0.agent == "b" }?.observedAt == Clock.at(-3))
    }

    @Test("what the coordinator selects from a crowded fleet verifies at a client")
    func selectionVerifies() throws {
        let world = AttackWorld.shared
        // Policy: a1, a4, a6 (eu), a2, a5 (us), a3 (ap); quorum 3 from 3 regions.
        var s = AttackScenario()
        s.policy.agents = ["a1", "a2", "a3", "a4", "a5", "a6"].map(world.agentEntry)
        let specs = [("a1", -1), ("a4", -2), ("a6", -3), ("a5", -4), ("a2", -5), ("a3", -400)].map { AttSpec(agent: $0.0, observed: Int64($0.1)) }
        let candidates = try specs.map {
            AttestationSelection.Candidate(
                attestation: try $0.make(target: "t/x", source: Attack.sourceA, sha: Attack.sha, world), region: world.region($0.agent))
        }
        let selected = try #require(AttestationSelection.select(candidates, quorum: 3, minRegions: 3, bound: 3))
        #expect(selected.count == 3)
        let chosen = Set(selected.map(\.agent))
        s.x.attestations = specs.filter { chosen.contains($0.agent) }
        #expect(try s.result().failure == nil)
        // The naive choice (the three freshest) would not have verified.
        s.x.attestations = Array(specs.prefix(3))
        #expect(try s.result().failure?.rule == Rule.quorum)
    }
}

// MARK: - Source normalisation

@Suite("RepositorySource.normalise")
struct NormaliseTests {
    static let equivalent: [(String, String)] = [
        ("https://notary.docker.io", "https://notary.docker.io"),
        ("HTTPS://Notary.Docker.IO", "https://notary.docker.io"),
        ("https://notary.docker.io/", "https://notary.docker.io"),
        ("https://notary.docker.io///", "https://notary.docker.io"),
        ("https://notary.docker.io:443", "https://notary.docker.io"),
        ("https://notary.docker.io:443/", "https://notary.docker.io"),
        ("https://NOTARY.docker.io:0443", "https://notary.docker.io"),
        ("http://127.0.0.1:80/", "http://127.0.0.1"),
        ("http://h.example:443", "http://h.example:443"),
        ("https://h.example:80", "https://h.example:80"),
        ("https://h.example:8443/", "https://h.example:8443"),
        ("Http://H.Example:08443/x", "http://h.example:8443/x"),
        ("https://tuf-repo-cdn.sigstore.dev/", "https://tuf-repo-cdn.sigstore.dev"),
        ("https://h.example/Metadata/", "https://h.example/Metadata"),
        ("https://[::1]:8443/tuf/", "https://[::1]:8443/tuf"),
        ("https://[::1]:443", "https://[::1]"),
        ("https://[FE80::1]", "https://[fe80::1]"),
        ("https://h.example/a/b", "https://h.example/a/b"),
    ]

    @Test("equivalent forms normalise to one string", arguments: equivalent)
    func equivalents(_ url: String, _ normal: String) throws {
        #expect(RepositorySource.normalise(url) == normal)
        // Idempotent, and a source made from any form equals one made from the normal form.
        #expect(RepositorySource.normalise(normal) == normal)
        let source = try #require(RepositorySource(kind: .tuf, url: url, gun: nil))
        #expect(source == RepositorySource(kind: .tuf, url: normal, gun: nil))
        #expect(source.problem == nil)
        #expect(source.storageKey == RepositorySource(kind: .tuf, normalisedURL: normal, gun: nil).storageKey)
    }

    static let refused: [(String, String)] = [
        ("user info", "https://user@h.example"),
        ("user info with password", "https://user:secret@h.example/x"),
        ("user info hiding the host", "https://h.example@evil.example"),
        ("query", "https://h.example/?x=1"),
        ("empty query", "https://h.example/x?"),
        ("fragment", "https://h.example/x#f"),
        ("backslash", "https://h.example\\evil"),
        ("ftp", "ftp://h.example"),
        ("file", "file:///etc/passwd"),
        ("javascript", "javascript:alert(1)"),
        ("no scheme", "h.example/x"),
        ("scheme-relative", "//h.example"),
        ("scheme without slashes", "https:h.example"),
        ("port 0", "https://h.example:0"),
        ("port 65536", "https://h.example:65536"),
        ("port with six digits", "https://h.example:000443"),
        ("port not a number", "https://h.example:https"),
        ("empty port", "https://h.example:"),
        ("negative port", "https://h.example:-1"),
        ("port with a plus sign", "https://h.example:+443"),
        ("dot segment ..", "https://h.example/a/../b"),
        ("dot segment .", "https://h.example/./a"),
        ("trailing ..", "https://h.example/a/.."),
        ("trailing .", "https://h.example/a/."),
        ("space in the path", "https://h.example/a b"),
        ("leading space", " https://h.example"),
        ("trailing newline", "https://h.example\n"),
        ("tab", "https://h.example/\tx"),
        ("NUL", "https://h.example/\u{0}"),
        ("non-ASCII host", "https://bücher.example"),
        ("non-ASCII path", "https://h.example/é"),
        ("fullwidth solidus", "https://h.example\u{FF0F}x"),
        ("empty", ""),
        ("empty host", "https://"),
        ("empty host with a path", "https:///metadata"),
        ("empty host with a port", "https://:443"),
        ("empty IPv6 literal", "https://[]"),
        ("unclosed IPv6 literal", "https://[::1"),
        ("junk after an IPv6 literal", "https://[::1]x"),
        ("longer than 2048 bytes", "https://h.example/" + String(repeating: "a", count: 2048)),
    ]

    @Test("refused forms", arguments: refused)
    func refusals(_ name: String, _ url: String) {
        #expect(RepositorySource.normalise(url) == nil, "\(name)")
        #expect(RepositorySource(kind: .tuf, url: url, gun: nil) == nil, "\(name)")
    }

    @Test("sources: a TUF source drops a GUN given with it; decoded sources must be normal")
    func sourceForms() throws {
        let tuf = try #require(RepositorySource(kind: .tuf, url: "https://h.example/", gun: "ignored"))
        #expect(tuf.gun == nil && tuf.url == "https://h.example")
        #expect(RepositorySource(kind: .tuf, normalisedURL: "https://h.example/", gun: nil).problem != nil)
        #expect(RepositorySource(kind: .tuf, normalisedURL: "https://h.example", gun: "g").problem == "a tuf source has no gun")
        #expect(RepositorySource(kind: .notary, normalisedURL: "https://h.example", gun: "").problem == "a notary source needs a gun")
        #expect(RepositorySource(kind: .notary, normalisedURL: "https://h.example", gun: "h.example/app").problem == nil)
        // The storage key separates every part of the source.
        let keys = Set([
            Attack.sourceA, Attack.mirror, Attack.notaryA, Attack.notaryOtherGUN, Attack.notaryOtherServer, Attack.notaryAtA,
        ].map(\.storageKey))
        #expect(keys.count == 6)
        // TargetSpec.source normalises.
        #expect(TargetSpec(id: "x", kind: .notary, url: "HTTPS://Notary.A.Example:443/", gun: "a.example/app").source == Attack.notaryA)
    }
}

// MARK: - Pinned root bytes

/// A pinned-root check input: the blob, the pin, the client's clock.
struct RootInput: Sendable {
    var blob: [UInt8]
    var pin: Pin
    var now: Timestamp
}

struct RootCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rule: String
    /// The control (must verify) and the attack.
    var make: @Sendable () throws -> (control: RootInput, attack: RootInput)
    var testDescription: String { name }
}

enum RootFixtures {
    static let gun = "a.example/app"
    static let now = Clock.now
    static let day: TimeInterval = 86_400

    /// A Notary root with one ECDSA root key whose certificate is for `cn`.
    static func notary(cn: String = gun, notBefore: Date? = nil, notAfter: Date? = nil, isCA: Bool = false) throws -> [UInt8] {
        try RootFixture(
            .notary, .ecdsa, keys: 1, gun: cn, expires: now.date.addingTimeInterval(365 * day),
            certificateValidity: (notBefore ?? now.date.addingTimeInterval(-30 * day), notAfter ?? now.date.addingTimeInterval(3650 * day)),
            isCA: isCA
        ).document(threshold: 1)
    }

    static func tuf() throws -> [UInt8] {
        try RootFixture(keys: 2, expires: now.date.addingTimeInterval(365 * day)).document()
    }

    static func digest(_ bytes: [UInt8]) -> String { SignedObservation.id(ofCanonical: bytes) }

    static func pin(_ blob: [UInt8], source: RepositorySource = .init(kind: .notary, normalisedURL: "https://notary.a.example", gun: gun)) -> Pin {
        Pin(target: "t/root", source: source, sha256: digest(blob), attestations: [])
    }

    static let tufSource = Attack.sourceA

    static func input(_ blob: [UInt8], _ pin: Pin? = nil, now: Timestamp = RootFixtures.now) -> RootInput {
        RootInput(blob: blob, pin: pin ?? Self.pin(blob), now: now)
    }
}

@Suite("PinnedRootVerifier")
struct PinnedRootVerifierTests {
    static let cases: [RootCase] = [
        .init(name: "blob with another digest than the pin's", rule: Rule.blobMismatch) {
            let blob = try RootFixtures.notary()
            let other = try RootFixtures.notary()
            return (RootFixtures.input(blob), RootFixtures.input(other, RootFixtures.pin(blob)))
        },
        .init(name: "blob with one byte appended", rule: Rule.blobMismatch) {
            let blob = try RootFixtures.tuf()
            return (RootFixtures.input(blob, RootFixtures.pin(blob, source: RootFixtures.tufSource)),
                    RootFixtures.input(blob + [0x20], RootFixtures.pin(blob, source: RootFixtures.tufSource)))
        },
        .init(name: "garbage whose digest the pin names", rule: Rule.blobMalformed) {
            let blob = try RootFixtures.tuf()
            let garbage = Array("not a root, but attested".utf8)
            return (RootFixtures.input(blob, RootFixtures.pin(blob, source: RootFixtures.tufSource)),
                    RootFixtures.input(garbage, RootFixtures.pin(garbage, source: RootFixtures.tufSource)))
        },
        .init(name: "valid JSON but not a root (a pin list header), digest attested", rule: Rule.blobMalformed) {
            let blob = try RootFixtures.tuf()
            let json = try Canonical.encode(AttackWorld.shared.history[1]!.header)
            return (RootFixtures.input(blob, RootFixtures.pin(blob, source: RootFixtures.tufSource)),
                    RootFixtures.input(json, RootFixtures.pin(json, source: RootFixtures.tufSource)))
        },
        .init(name: "TUF root pinned for a notary source", rule: Rule.blobMalformed) {
            let notary = try RootFixtures.notary()
            let tuf = try RootFixtures.tuf()
            return (RootFixtures.input(notary), RootFixtures.input(tuf))
        },
        .init(name: "Notary root pinned for a tuf source", rule: Rule.blobMalformed) {
            let notary = try RootFixtures.notary()
            let tuf = try RootFixtures.tuf()
            return (RootFixtures.input(tuf, RootFixtures.pin(tuf, source: RootFixtures.tufSource)),
                    RootFixtures.input(notary, RootFixtures.pin(notary, source: RootFixtures.tufSource)))
        },
        .init(name: "Notary root whose certificate CN is another GUN", rule: Rule.notaryRules) {
            (RootFixtures.input(try RootFixtures.notary()), RootFixtures.input(try RootFixtures.notary(cn: "a.example/other")))
        },
        .init(name: "Notary root whose certificate CN is a prefix of the GUN without *", rule: Rule.notaryRules) {
            (RootFixtures.input(try RootFixtures.notary()), RootFixtures.input(try RootFixtures.notary(cn: "a.example")))
        },
        .init(name: "Notary root with a wildcard CN for another namespace", rule: Rule.notaryRules) {
            (RootFixtures.input(try RootFixtures.notary(cn: "a.example/*")), RootFixtures.input(try RootFixtures.notary(cn: "b.example/*")))
        },
        .init(name: "pin re-labelled to another GUN than the root's certificate", rule: Rule.notaryRules) {
            let blob = try RootFixtures.notary()
            var other = RootFixtures.pin(blob)
            other.source.gun = "a.example/other"
            return (RootFixtures.input(blob), RootFixtures.input(blob, other))
        },
        .init(name: "Notary root whose leaf certificate is a CA", rule: Rule.notaryRules) {
            (RootFixtures.input(try RootFixtures.notary()), RootFixtures.input(try RootFixtures.notary(isCA: true)))
        },
        .init(name: "Notary root with an expired certificate", rule: Rule.notaryRules) {
            let now = RootFixtures.now.date
            return (RootFixtures.input(try RootFixtures.notary(notBefore: now.addingTimeInterval(-400 * RootFixtures.day), notAfter: now)),
                    RootFixtures.input(try RootFixtures.notary(notBefore: now.addingTimeInterval(-400 * RootFixtures.day), notAfter: now.addingTimeInterval(-1))))
        },
        .init(name: "same root: valid at now, expired one second after notAfter", rule: Rule.notaryRules) {
            let notAfter = RootFixtures.now.date.addingTimeInterval(RootFixtures.day)
            let blob = try RootFixtures.notary(notAfter: notAfter)
            return (RootFixtures.input(blob, now: Timestamp(notAfter)), RootFixtures.input(blob, now: Timestamp(notAfter).adding(seconds: 1)))
        },
        .init(name: "certificate not yet valid (beyond notary's one-day allowance)", rule: Rule.notaryRules) {
            let now = RootFixtures.now.date
            return (RootFixtures.input(try RootFixtures.notary(notBefore: now.addingTimeInterval(RootFixtures.day))),
                    RootFixtures.input(try RootFixtures.notary(notBefore: now.addingTimeInterval(RootFixtures.day + 1))))
        },
    ]

    @Test("pinned root rules", arguments: cases)
    func rules(_ c: RootCase) throws {
        let (control, attack) = try c.make()
        let verified = PinnedRootVerifier.verify(control.blob, for: control.pin, now: control.now)
        if case .failure(let failure) = verified { Issue.record("control refused: \(failure)"); return }
        #expect(try verified.get().sha256 == control.pin.sha256)
        switch PinnedRootVerifier.verify(attack.blob, for: attack.pin, now: attack.now) {
        case .success: Issue.record("attack verified")
        case .failure(let failure):
            #expect(failure.rule == c.rule, "\(failure)")
            #expect(failure.target == "t/root")
        }
    }

    /// Reference vectors (shared/vectors, EXPECTED.md): kind, version, and for Notary roots the certificate CN
    /// (cn==gun there) and validity window.
    struct Vector: Sendable, CustomTestStringConvertible {
        var path: String
        var kind: TargetSpec.Kind
        var version: Int
        /// The GUN (= the certificate CN) and validity window for Notary vectors.
        var gun: String? = nil
        var notBefore: String? = nil
        var notAfter: String? = nil
        var testDescription: String { path }
    }

    /// The repository's copy of `shared/vectors` (provenance in Tests/VantageTUFTests/Fixtures/SOURCES.md), found from
    /// the package root so the test runs from any clone.
    static let vectorsDirectory = URL(fileURLWithPath: PackagePaths.path("Tests/VantageTUFTests/Fixtures"))

    static let vectors: [Vector] = [
        .init(path: "notary/notary0.1-samplerepo/root.json", kind: .notary, version: 1, gun: "docker.com/notary0.1/samplerepo",
              notBefore: "2016-02-05", notAfter: "2116-02-05"),
        .init(path: "notary/notary0.3-tst/root.json", kind: .notary, version: 1, gun: "docker.com/notary0.3/tst",
              notBefore: "2016-07-27", notAfter: "2026-07-25"),
        .init(path: "notary/httpstore_test.testRoot.root.json", kind: .notary, version: 2, gun: "expire",
              notBefore: "2015-07-20", notAfter: "2025-07-17"),
        .init(path: "notary/client_root_validation_test.signedRSARoot.root.json", kind: .notary, version: 2, gun: "docker.com/notary",
              notBefore: "2015-07-17", notAfter: "2017-07-16"),
        .init(path: "connaisseur/sample_root.json", kind: .notary, version: 1, gun: "docker.io/phbelitz/sample",
              notBefore: "2020-01-13", notAfter: "2030-01-10"),
        .init(path: "python-tuf/root.json", kind: .tuf, version: 1),
        .init(path: "go-tuf/testutils-root.json", kind: .tuf, version: 1),
        .init(path: "go-tuf/multirepo-root.json", kind: .tuf, version: 1),
    ] + (1...15).map { .init(path: "sigstore-root-signing/\($0).root.json", kind: .tuf, version: $0) }

    static func day(_ text: String) -> Timestamp { Timestamp(RFC3339.parse(text + "T00:00:00Z")!) }

    @Test("reference vectors through PinnedRootVerifier with a matching pin", arguments: vectors)
    func vector(_ v: Vector) throws {
        let url = Self.vectorsDirectory.appendingPathComponent(v.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("vector \(v.path) missing")
            return
        }
        let blob = Array(try Data(contentsOf: url))
        let source = v.kind == .notary
            ? RepositorySource(kind: .notary, normalisedURL: "https://notary.example", gun: v.gun)
            : Attack.sourceA
        let pin = RootFixtures.pin(blob, source: source)
        guard let gun = v.gun, let notBefore = v.notBefore, let notAfter = v.notAfter else {
            let root = try PinnedRootVerifier.verify(blob, for: pin, now: Clock.now).get()
            #expect(root.version == v.version)
            #expect(root.dialect == .tuf)
            // The same bytes pinned for a notary source are refused.
            let notaryPin = RootFixtures.pin(blob, source: RepositorySource(kind: .notary, normalisedURL: "https://n.example", gun: "x/y"))
            #expect(PinnedRootVerifier.verify(blob, for: notaryPin, now: Clock.now).failureRule == Rule.blobMalformed)
            return
        }
        // Inside the certificate's validity (mid-window): the notary client's rules pass for the CN's GUN.
        let start = Self.day(notBefore), end = Self.day(notAfter)
        let middle = Timestamp(seconds: (start.seconds + end.seconds) / 2)
        let root = try PinnedRootVerifier.verify(blob, for: pin, now: middle).get()
        #expect(root.version == v.version)
        #expect(root.dialect == .notary)
        // After notAfter (a day later), before notBefore − 1 day (two days earlier): refused.
        #expect(PinnedRootVerifier.verify(blob, for: pin, now: end.adding(seconds: 2 * 86_400)).failureRule == Rule.notaryRules)
        #expect(PinnedRootVerifier.verify(blob, for: pin, now: start.adding(seconds: -2 * 86_400)).failureRule == Rule.notaryRules)
        // Another GUN: refused.
        var other = pin
        other.source.gun = gun + "-other"
        #expect(PinnedRootVerifier.verify(blob, for: other, now: middle).failureRule == Rule.notaryRules)
        // Pinned for a tuf source: refused.
        #expect(PinnedRootVerifier.verify(blob, for: RootFixtures.pin(blob, source: Attack.sourceA), now: middle).failureRule == Rule.blobMalformed)
    }
}

extension Result where Success == Root, Failure == PinListVerifier.Failure {
    var failureRule: String? {
        if case .failure(let failure) = self { return failure.rule }
        return nil
    }
}
