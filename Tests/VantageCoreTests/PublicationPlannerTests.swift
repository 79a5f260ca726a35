import Testing
import VantageCore
import VantageTUF

/// One row of the publication table: what the store holds of one due pin, and what the plan must do with it.
struct PublishCase: CustomTestStringConvertible, Sendable {
    enum Expected: Equatable, Sendable {
        /// In the list with these agents' attestations (and approvals when `approved`).
        case published(agents: [String], approved: Bool)
        /// Rebuilt to the bytes already published: only rescheduled.
        case kept
        /// Left out, refused under `rule`.
        case leftOut(rule: String)
        /// Dropped (removed or re-pointed target): no pin, not due again.
        case dropped
    }

    /// One stored attestation: its agent, age, verdict, and whether ingest's key id is kept with it (`stale`: the
    /// id of a key the agent no longer has), and the source ingest verified it for (`nil`: the pin's).
    struct Stored: Sendable {
        enum KeyID: Sendable { case current, none, stale }
        var agent: String
        var observed: Int64 = -60
        var continuity: Continuity = .same
        var keyID: KeyID = .current
        /// Signed by a key the policy does not list for the agent.
        var forged = false
        /// Signed, and verified at ingest, for this source (the target was re-pointed since).
        var source: RepositorySource?
    }

    var name: String
    var stored: [Stored]
    var approvers: [String] = []
    var pinned = true
    var alreadyPublished = false
    var unsupported: String?
    var expected: Expected
    /// Attestation signatures the plan verifies.
    var verified: Int
    /// `pin_unsupported` opened (`open`), resolved (`resolved`) or nothing announced (`nil`).
    var alert: String?

    var testDescription: String { name }

    static let target = "t/app"
    static var sha256: String { RootSet.shared.sha(.v1) }
    static let policy = Fleet.shared.trustPolicy(agents: ["a1", "a2", "a3", "a4"], quorum: 2, minRegions: 2, maxAgeSeconds: 1800, approvers: ["alice"])
    static let stranger = SigningIdentity()

    func attestations() throws -> [PublicationPlanner.StoredAttestation] {
        try stored.map { row in
            let attestation = try Fleet.shared.attestation(
                row.agent, target: Self.target, source: row.source ?? SourceFixtures.tuf, sha256: Self.sha256, observedAt: Clock.at(row.observed),
                continuity: row.continuity, signer: row.forged ? Self.stranger : nil)
            let key: SigningIdentity? = switch row.keyID {
            case .current: Fleet.shared[row.agent].identity
            case .none: nil
            case .stale: Self.stranger
            }
            let keyID = key.map { PublicationPlanner.verifiedKeyID($0.publicKey.keyID, source: row.source ?? SourceFixtures.tuf) }
            return .init(attestation: attestation, region: Fleet.shared.region(row.agent), keyID: keyID)
        }
    }

    func due(_ planner: PublicationPlanner) throws -> PublicationPlanner.DuePin {
        let approvals = try approvers.map { try Fleet.shared.approval($0, target: Self.target, sha256: Self.sha256, at: Clock.at(-600)) }
        var due = PublicationPlanner.DuePin(
            target: Self.target, source: pinned ? SourceFixtures.tuf : nil, sha256: pinned ? Self.sha256 : nil,
            attestations: try attestations(), approvals: approvals, unsupported: unsupported)
        if alreadyPublished {
            // What the last publication put in the list: the plan of the same rows, without previous bytes.
            var first = self
            first.alreadyPublished = false
            first.pinned = true
            let plan = try planner.plan([try first.due(planner)], now: Clock.now)
            guard case let pin?? = plan.changes[Self.target] else { return due }
            due.published = try Canonical.encode(pin)
        }
        return due
    }
}

/// The publication planner decides which pins the next list changes by the client's own rule (``AgentSupport``), so a
/// published pin always verifies at a client and a pin left out says why; attestations ingest verified under a key
/// the policy still lists are not verified again.
@Suite("PublicationPlanner")
struct PublicationPlannerTests {
    static let planner = PublicationPlanner(policy: PublishCase.policy, consensus: ConsensusPolicy(quorum: 2, minRegions: 2, maxAgeSeconds: 1800))

    static let cases: [PublishCase] = [
        .init(name: "continuations verified at ingest: published, nothing verified again",
              stored: [.init(agent: "a1"), .init(agent: "a2"), .init(agent: "a3")],
              expected: .published(agents: ["a1", "a2", "a3"], approved: false), verified: 0),
        .init(name: "rows from before key ids: verified once, as before",
              stored: [.init(agent: "a1", keyID: .none), .init(agent: "a2", keyID: .none), .init(agent: "a3")],
              expected: .published(agents: ["a1", "a2", "a3"], approved: false), verified: 2),
        .init(name: "verified under a key the agent no longer has: verified again, and refused",
              stored: [.init(agent: "a1", keyID: .stale, forged: true), .init(agent: "a2"), .init(agent: "a3", keyID: .stale, forged: true)],
              expected: .leftOut(rule: PinListVerifier.Rule.quorum), verified: 2, alert: "open"),
        .init(name: "positive control of the stale key: the same rows signed by the enrolled keys",
              stored: [.init(agent: "a1", keyID: .stale), .init(agent: "a2"), .init(agent: "a3", keyID: .stale)],
              expected: .published(agents: ["a1", "a2", "a3"], approved: false), verified: 2),
        .init(name: "verified at ingest for the target's old source: verified again, and refused",
              stored: [.init(agent: "a1", source: SourceFixtures.notary), .init(agent: "a2"), .init(agent: "a3", source: SourceFixtures.notary)],
              expected: .leftOut(rule: PinListVerifier.Rule.quorum), verified: 2, alert: "open"),
        .init(name: "one region only: no quorum to select",
              stored: [.init(agent: "a1"), .init(agent: "a4")],
              expected: .leftOut(rule: PinListVerifier.Rule.quorum), verified: 0, alert: "open"),
        .init(name: "older than max_age + skew at now: refused",
              stored: [.init(agent: "a1", observed: -2101), .init(agent: "a2", observed: -2101)],
              expected: .leftOut(rule: PinListVerifier.Rule.quorum), verified: 0, alert: "open"),
        .init(name: "unchained without approvals: left out, pin_unsupported opens",
              stored: [.init(agent: "a1", continuity: .unchained), .init(agent: "a2", continuity: .unchained)],
              expected: .leftOut(rule: PinListVerifier.Rule.unapprovedReplacement), verified: 0, alert: "open"),
        .init(name: "unchained with an approval: published with it, pin_unsupported resolves",
              stored: [.init(agent: "a1", continuity: .unchained), .init(agent: "a2", continuity: .unchained)], approvers: ["alice"],
              unsupported: "unsupported", expected: .published(agents: ["a1", "a2"], approved: true), verified: 0, alert: "resolved"),
        .init(name: "the same bytes as published: kept, only rescheduled",
              stored: [.init(agent: "a1"), .init(agent: "a2")], alreadyPublished: true, expected: .kept, verified: 0),
        .init(name: "removed or re-pointed: dropped from the list",
              stored: [.init(agent: "a1"), .init(agent: "a2")], pinned: false, alreadyPublished: true, expected: .dropped, verified: 0),
    ]

    @Test("one due pin", arguments: cases)
    func onePin(_ c: PublishCase) throws {
        let plan = try Self.planner.plan([try c.due(Self.planner)], now: Clock.now)
        let target = PublishCase.target
        #expect(plan.rebuilt == 1)
        #expect(plan.signaturesVerified == c.verified)
        switch c.expected {
        case .published(let agents, let approved):
            guard case let pin?? = plan.changes[target] else {
                Issue.record("no pin published: \(plan.leftOut)")
                return
            }
            #expect(pin.attestations.map(\.agent).sorted() == agents)
            #expect(pin.approvals.isEmpty == !approved)
            // What the planner publishes is what a client accepts.
            #expect(PinListVerifier(policy: PublishCase.policy).verifyPin(pin, expected: .init(target: target, source: SourceFixtures.tuf), issuedAt: Clock.now, now: Clock.now) == nil)
            // Due again when its oldest attestation is half of max_age old.
            #expect(plan.rows[target] == Clock.at(-60).seconds + 900)
        case .kept:
            #expect(plan.changes.isEmpty && plan.rows.isEmpty && plan.kept[target] == Clock.at(840).seconds)
        case .leftOut(let rule):
            #expect(plan.leftOut.map(\.target) == [target])
            #expect(plan.leftOut.first?.reason?.rule == rule)
            #expect(plan.changes.isEmpty)
            #expect(plan.rows[target] == Clock.now.seconds + Self.planner.retrySeconds)
        case .dropped:
            #expect(plan.changes.keys.contains(target) && plan.changes[target]! == nil)
            #expect(plan.rows[target] == Int64.max)
        }
        let alert = AlertCondition.pinUnsupported.key(target)
        switch c.alert {
        case "open":
            #expect(plan.events.map(\.kind) == [.pinUnsupported] && plan.events.first?.alert == alert && plan.events.first?.resolvesAlert == false)
            #expect(plan.alerts == [.init(.unsupported, target): "unsupported"])
        case "resolved":
            #expect(plan.events.map(\.kind) == [.recovered] && plan.events.first?.resolvesAlert == true)
            #expect(plan.alerts == [.init(.unsupported, target): "ok"])
        default:
            #expect(plan.events.isEmpty && plan.alerts.isEmpty)
        }
    }

    /// The refresh of every pin, counted: attestations stored with the key id ingest verified them under cost no
    /// signature verification; rows without one cost one per published attestation, as every row did before.
    @Test("a refresh of many pins verifies only attestations ingest did not", arguments: [false, true])
    func refreshCounts(keyIDs: Bool) throws {
        let targets = (0..<50).map { "t/\($0)" }
        let agents = ["a1", "a2", "a3", "a4"]
        let due = try targets.map { target in
            PublicationPlanner.DuePin(
                target: target, source: SourceFixtures.tuf, sha256: PublishCase.sha256,
                attestations: try agents.map { agent in
                    PublicationPlanner.StoredAttestation(
                        attestation: try Fleet.shared.attestation(agent, target: target, sha256: PublishCase.sha256, observedAt: Clock.at(-60)),
                        region: Fleet.shared.region(agent),
                        keyID: keyIDs ? PublicationPlanner.verifiedKeyID(Fleet.shared[agent].identity.publicKey.keyID, source: SourceFixtures.tuf) : nil)
                })
        }
        let plan = try Self.planner.plan(due, now: Clock.now)
        #expect(plan.rebuilt == targets.count && plan.changes.count == targets.count && plan.leftOut.isEmpty)
        // Four attestations per pin (the selection bound is 2 × quorum): 200 verifications before, none after.
        #expect(plan.signaturesVerified == (keyIDs ? 0 : targets.count * agents.count))
    }
}
