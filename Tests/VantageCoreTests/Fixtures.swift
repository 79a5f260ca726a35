import Foundation
import VantageTestSupport
import VantageCore
import VantageTUF

// Shared fixtures for the VantageCore tables: fresh keys made at run time, never stored keys.
//
// Time is always explicit: `Clock.now` is a fixed instant and every test passes it (or an offset of it) as `now`.

enum Clock {
    /// 2027-01-15T08:00:00Z, an arbitrary fixed evaluation instant.
    static let now = Timestamp(seconds: 1_800_000_000)
    static func at(_ offset: Int64) -> Timestamp { now.adding(seconds: offset) }
    /// Roots built by the fixtures expire well after `now`.
    static let rootExpiry = Date(timeIntervalSince1970: TimeInterval(now.seconds + 86_400 * 365))
}

// MARK: - Roots of one target

/// The roots of one target used by the consensus tables, built from fresh Ed25519 TUF root keys.
///
/// Key sets: A (v1, v2-resigned), B (v2-rotated), C (v3-rotated), X (an attacker's unchained replacement).
/// Every root has threshold 2 of 3.
struct RootSet: Sendable {
    enum Name: String, Sendable, CaseIterable, CustomStringConvertible {
        /// v1, keys A, signed by A.
        case v1
        /// v2, keys A (same material and threshold), signed by A: a re-signing.
        case v2Resigned = "v2-resigned"
        /// v2, keys B, signed by A and B: a chained rotation from v1.
        case v2Rotated = "v2-rotated"
        /// v3, keys C, signed by B and C only: chained from v2-rotated, not directly from v1.
        case v3Rotated = "v3-rotated"
        /// v2, keys X, signed by X only: an unchained replacement.
        case v2Replaced = "v2-replaced"
        /// v2, keys A, signed by one A key: does not meet its own threshold.
        case v2UnderSigned = "v2-undersigned"
        /// v2, keys B, signed by B only (not by A): a bogus intermediate with the same version as v2-rotated.
        case v2Bogus = "v2-bogus"

        var description: String { rawValue }
    }

    static let shared: RootSet = try! RootSet()

    let roots: [Name: Root]

    init() throws {
        let fixture = try RootFixture(expires: Clock.rootExpiry)
        let a = fixture.keys, b = try fixture.newKeys(3), c = try fixture.newKeys(3), x = try fixture.newKeys(3)
        func root(_ version: Int, _ rootKeys: [RootSigningKey], signedBy signers: [RootSigningKey]) throws -> Root {
            try fixture.root(version: version, keys: rootKeys, signers: signers)
        }
        roots = [
            .v1: try root(1, a, signedBy: [a[0], a[1]]),
            .v2Resigned: try root(2, a, signedBy: [a[1], a[2]]),
            .v2Rotated: try root(2, b, signedBy: [a[0], a[1], b[0], b[1]]),
            .v3Rotated: try root(3, c, signedBy: [b[0], b[1], c[0], c[1]]),
            .v2Replaced: try root(2, x, signedBy: [x[0], x[1]]),
            .v2UnderSigned: try root(2, a, signedBy: [a[0]]),
            .v2Bogus: try root(2, b, signedBy: [b[0], b[1]]),
        ]
    }

    func root(_ name: Name) -> Root { roots[name]! }
    func sha(_ name: Name) -> String { root(name).sha256 }
    func name(of digest: String) -> Name? { roots.first { $0.value.sha256 == digest }?.key }

    /// The `roots` argument of the evaluator: the named roots by exact SHA-256.
    func byDigest(_ names: [Name]) -> [String: Root] {
        Dictionary(uniqueKeysWithValues: names.map { (sha($0), root($0)) })
    }
}

// MARK: - Agents

/// A fleet of agents with fresh Ed25519 identities.
struct Fleet: Sendable {
    struct Member: Sendable {
        let id: String
        let region: String
        let identity: SigningIdentity
        var policyEntry: TrustPolicy.Agent { .init(id: id, region: region, publicKey: identity.publicKey) }
    }

    /// a1 eu, a2 us, a3 ap, a4 eu, a5 us, a6 eu.
    static let regions: [(String, String)] = [("a1", "eu"), ("a2", "us"), ("a3", "ap"), ("a4", "eu"), ("a5", "us"), ("a6", "eu")]
    static let shared = Fleet()

    let members: [String: Member]
    let coordinator = SigningIdentity()
    /// A key that no trust policy lists.
    let stranger = SigningIdentity()
    /// Approver keys (listed in a trust policy only when a test says so).
    let approvers: [String: SigningIdentity] = ["alice": SigningIdentity(), "bob": SigningIdentity(), "carol": SigningIdentity()]

    init() {
        members = Dictionary(uniqueKeysWithValues: Self.regions.map { ($0.0, Member(id: $0.0, region: $0.1, identity: SigningIdentity())) })
    }

    subscript(_ id: String) -> Member { members[id]! }
    func region(_ id: String) -> String { Self.regions.first { $0.0 == id }?.1 ?? "nowhere" }

    /// A signed attestation by `agent` (signed with `signer`'s key when given) for (`target`, `source`, `sha256`,
    /// `observedAt`, `continuity`).
    func attestation(
        _ agent: String, target: String, source: RepositorySource = SourceFixtures.tuf, sha256: String, observedAt: Timestamp,
        continuity: Continuity = .same, signer: SigningIdentity? = nil
    ) throws -> Attestation {
        let statement = AttestationStatement(
            agent: agent, target: target, source: source, sha256: sha256, observedAt: observedAt, continuity: continuity)
        let key = signer ?? members[agent]!.identity
        return Attestation(
            agent: agent, observedAt: observedAt, continuity: continuity,
            signature: ByteEncoding.base64Encode(try key.sign(try statement.signingBytes)))
    }

    /// The policy entry of approver `id` (alice, bob, carol).
    func approverKey(_ id: String) -> ApproverKey { ApproverKey(id: id, publicKey: approvers[id]!.publicKey) }

    /// A signed approval by approver `id` (signed with `signer`'s key when given).
    func approval(
        _ id: String, target: String, source: RepositorySource = SourceFixtures.tuf, sha256: String, at: Timestamp,
        signer: SigningIdentity? = nil
    ) throws -> Approval {
        try Approval(approver: id, target: target, source: source, sha256: sha256, at: at, identity: signer ?? approvers[id]!)
    }

    /// A trust policy listing `agents` and the fleet coordinator (id `coord`).
    func trustPolicy(
        agents: [String] = ["a1", "a2", "a3", "a4"], quorum: Int = 2, minRegions: Int = 2, maxAgeSeconds: Int64 = 1800,
        maxListAgeSeconds: Int64? = nil, skewSeconds: Int64 = 300, minPinListVersion: Int64 = 0, approvers: [String] = [],
        approvalThreshold: Int = 1, targets: [TrustPolicy.Target] = []
    ) -> TrustPolicy {
        TrustPolicy(
            coordinators: [.init(id: "coord", publicKey: coordinator.publicKey)], agents: agents.map { self[$0].policyEntry },
            quorum: quorum, minRegions: minRegions, maxAgeSeconds: maxAgeSeconds, maxListAgeSeconds: maxListAgeSeconds,
            skewSeconds: skewSeconds, minPinListVersion: minPinListVersion, approvers: approvers.map(approverKey),
            approvalThreshold: approvalThreshold, targets: targets)
    }
}

/// Repository sources the fixtures attest.
enum SourceFixtures {
    /// The TUF metadata base every fixture pin is fetched from unless a test says otherwise.
    static let tuf = RepositorySource(kind: .tuf, url: "https://tuf.example.test/metadata", gun: nil)!
    /// A Notary server and GUN.
    static let notary = RepositorySource(kind: .notary, url: "https://notary.example.test", gun: "example.test/app")!
}

// MARK: - Agent views

/// A compact description of one agent's latest observation, relative to `Clock.now`.
struct ViewSpec: Sendable, CustomStringConvertible {
    var agent: String
    /// The root seen, or `nil` for an error observation.
    var root: RootSet.Name?
    /// observed_at − now, seconds.
    var observed: Int64 = -10
    /// since − now, seconds (default: held for a day).
    var since: Int64 = -86_400
    var region: String?
    /// The agent's signed verdict on `root`; `nil` takes ``defaultContinuity(_:)``.
    var continuity: Continuity? = nil
    /// Whether the view carries the agent's attestation at all (an observation stored without one counts as no verdict).
    var attested = true

    var description: String { "\(agent)=\(root?.rawValue ?? "error")@\(observed)/\(since)" }

    /// What an agent that trusted the previous root of the fixture chain would attest: a verified continuation for
    /// the chained roots, unchained for the attacker's replacement and the bogus/under-signed roots.
    static func defaultContinuity(_ root: RootSet.Name) -> Continuity {
        switch root {
        case .v1: .firstSight
        case .v2Resigned: .resigned
        case .v2Rotated, .v3Rotated: .rotated
        case .v2Replaced, .v2UnderSigned, .v2Bogus: .unchained
        }
    }

    func view(_ roots: RootSet = .shared) -> AgentView {
        let attestation = root.flatMap { name -> Attestation? in
            guard attested else { return nil }
            // The evaluator counts the verdict; signatures are the client's business (PinListVerifier).
            return Attestation(agent: agent, observedAt: Clock.at(observed), continuity: continuity ?? Self.defaultContinuity(name), signature: "")
        }
        return AgentView(
            agent: agent, region: region ?? Fleet.shared.region(agent), sha256: root.map(roots.sha),
            errorKind: root == nil ? "timeout" : nil, observedAt: Clock.at(observed), since: Clock.at(since),
            attestation: attestation)
    }
}

/// `agents` all seeing `root`, observed 10 s ago and held for a day (verdict: `continuity`, or the default for `root`).
func seeing(
    _ root: RootSet.Name?, _ agents: String..., observed: Int64 = -10, since: Int64 = -86_400, continuity: Continuity? = nil,
    attested: Bool = true
) -> [ViewSpec] {
    agents.map { ViewSpec(agent: $0, root: root, observed: observed, since: since, continuity: continuity, attested: attested) }
}

// MARK: - Pins

enum PinFixtures {
    /// A pin for `target` on `root` fetched from `source`, with `attestations` and `approvals`.
    static func pin(
        _ target: String, root: Root = RootSet.shared.root(.v1), source: RepositorySource = SourceFixtures.tuf,
        attestations: [Attestation], approvals: [Approval] = []
    ) -> Pin {
        Pin(target: target, source: source, sha256: RootFingerprint(root).sha256, attestations: attestations, approvals: approvals)
    }

    /// A pin attested by `agents`, each observed at `observedAt` with verdict `continuity`.
    static func attestedPin(
        _ target: String, root: Root = RootSet.shared.root(.v1), source: RepositorySource = SourceFixtures.tuf,
        by agents: [String] = ["a1", "a2", "a3"], observedAt: Timestamp, continuity: Continuity = .same
    ) throws -> Pin {
        let sha = RootFingerprint(root).sha256
        return pin(target, root: root, source: source, attestations: try agents.map {
            try Fleet.shared.attestation($0, target: target, source: source, sha256: sha, observedAt: observedAt, continuity: continuity)
        })
    }
}

extension Result where Success == String, Failure == PinListVerifier.Failure {
    /// The refusal, or `nil` when the document verified.
    var failure: PinListVerifier.Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }

    /// The verified coordinator id, or `nil` when refused.
    var coordinator: String? {
        if case .success(let id) = self { return id }
        return nil
    }
}

extension PinListVerifier.Failure {
    /// `rule`, plus target and agent when set, for compact expectations.
    var summary: String { [rule, target ?? "-", agent ?? "-"].joined(separator: " ") }
}

extension [UInt8] {
    var hex: String { ByteEncoding.hexEncode(self) }
}

func bytes(hex: String) -> [UInt8] { ByteEncoding.hexDecode(hex)! }
