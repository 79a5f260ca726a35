import Testing
import VantageCore
import VantageTUF

extension DecideCase {
    /// The case as the planner's input: no stored state yet (or `previous`).
    func snapshot(_ set: RootSet = .shared, previous: TargetState? = nil) -> TargetSnapshot {
        let rootNames = roots ?? Array(Set(views.compactMap(\.root) + (pin.map { [$0] } ?? [])))
        return TargetSnapshot(
            target: "t/app", views: views.map { $0.view(set) }, pin: pin.map { .init(sha256: set.sha($0)) }, nextSeq: 1,
            roots: set.byDigest(rootNames), approved: Dictionary(uniqueKeysWithValues: approved.map { (set.sha($0), Set(["approver-1"])) }),
            previous: previous)
    }
}

/// The planner decides, pins and says when the target next needs deciding. A round decides only targets marked by
/// ingest or whose due instant came, so `due` must be exact: nothing a round stores or announces may change before
/// it (else a transition is late), and something must at it (else rounds do work for nothing).
@Suite("ConsensusPlanner")
struct ConsensusPlannerTests {
    /// What the planner's result stores or announces, compared across instants.
    struct Outcome: Equatable {
        var state: TargetState
        var pin: TargetPlan.NewPin?
        var events: [VantageEvent.Kind]
        var alerts: [ConsensusPlanner.AlertKey: String]

        init(_ plan: TargetPlan) {
            state = plan.state
            pin = plan.pin
            events = plan.events.map(\.kind)
            alerts = plan.alerts
        }
    }

    /// The snapshot after applying `plan`: its pin recorded and its state and alert conditions stored.
    static func applied(_ plan: TargetPlan, to snapshot: TargetSnapshot) -> TargetSnapshot {
        var next = snapshot
        if let pin = plan.pin {
            next.pin = .init(sha256: pin.sha256)
            next.nextSeq += 1
        }
        next.previous = plan.state
        next.alerts.merge(plan.alerts) { _, new in new }
        return next
    }

    @Test("nothing changes before due, something changes at due", arguments: ConsensusEvaluatorTests.cases)
    func dueIsExact(_ c: DecideCase) {
        let planner = ConsensusPlanner(policy: c.policy)
        let first = planner.plan(c.snapshot(), now: Clock.now)
        let settled = Self.applied(first, to: c.snapshot())
        // Re-planned at the same instant with the result applied: steady (the state is its own fixed point).
        let again = planner.plan(settled, now: Clock.now)
        #expect(again.pin == nil && again.events.isEmpty && again.alerts.isEmpty && again.state == first.state, "\(c.name)")
        #expect(again.due == first.due)
        // Every instant where the inputs could matter before due: each view's window edges, and just before due.
        var probes = Set(settled.views.flatMap { [$0.observedAt.adding(seconds: c.policy.maxAgeSeconds), $0.observedAt.adding(seconds: -301)] })
        probes.insert(Clock.now.adding(seconds: 1))
        if let due = first.due { probes.insert(due.adding(seconds: -1)) }
        for probe in probes where probe > Clock.now && (first.due.map { probe < $0 } ?? true) {
            let later = planner.plan(settled, now: probe)
            #expect(Outcome(later) == Outcome(again), "\(c.name): changed at \(probe), before due \(first.due.map(String.init(describing:)) ?? "never")")
        }
        if let due = first.due {
            #expect(due > Clock.now)
            #expect(Outcome(planner.plan(settled, now: due)) != Outcome(again), "\(c.name): nothing changes at due \(due)")
        }
    }

    @Test("min_duration: pending until the quorum has held long enough, then the pin")
    func minDurationDue() {
        let c = DecideCase(
            name: "rotation seen for 100 s of 600", pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", since: -100), status: .pending)
        let plan = ConsensusPlanner(policy: c.policy).plan(c.snapshot(), now: Clock.now)
        #expect(plan.state.status == .pending && plan.pin == nil)
        #expect(plan.due == Clock.at(500))
        let at = ConsensusPlanner(policy: c.policy).plan(Self.applied(plan, to: c.snapshot()), now: Clock.at(500))
        #expect(at.pin?.sha256 == RootSet.shared.sha(.v2Rotated) && at.pin?.classification == .rotated && at.pin?.seq == 1)
        #expect(at.events.map(\.kind) == [.rotated])
    }

    @Test("the steady state is due only when the quorum would age out")
    func steadyStateDue() {
        // Five agents on the pin, observed 10…50 s ago: quorum 3 holds until the third-newest view is max_age old.
        let views = (1...5).map { ViewSpec(agent: "a\($0)", root: .v1, observed: -10 * Int64($0)) }
        let c = DecideCase(name: "steady", pin: .v1, views: views, status: .agreed)
        let plan = ConsensusPlanner(policy: c.policy).plan(c.snapshot(), now: Clock.now)
        #expect(plan.state.status == .agreed && plan.events.isEmpty)
        #expect(plan.due == Clock.at(-30 + c.policy.maxAgeSeconds + 1))
    }

    @Test("expiry: warned once when the pinned root enters the warning window, due at that instant")
    func expiryDue() throws {
        let c = DecideCase(name: "steady", pin: .v1, views: seeing(.v1, "a1", "a2", "a3", observed: -10), status: .agreed)
        var policy = c.policy
        let root = RootSet.shared.root(.v1)
        let expires = Timestamp(root.expires)
        // Warn 400 days ahead: the fixture root expires in a year, so the warning is already due.
        policy.expiryWarningDays = 400
        let warned = ConsensusPlanner(policy: policy).plan(c.snapshot(), now: Clock.now)
        #expect(warned.events.map(\.kind) == [.rootExpiring])
        #expect(ConsensusPlanner(policy: policy).plan(Self.applied(warned, to: c.snapshot()), now: Clock.now).events.isEmpty)
        // Warn 30 days ahead: nothing yet. With views fresh for longer than that (max_age 400 days), the next
        // instant anything changes is the warning's.
        policy.expiryWarningDays = 30
        policy.maxAgeSeconds = 400 * 86_400
        let quiet = ConsensusPlanner(policy: policy).plan(c.snapshot(), now: Clock.now)
        #expect(quiet.events.isEmpty)
        #expect(quiet.due == expires.adding(seconds: -30 * 86_400))
        let due = try #require(quiet.due)
        let then = ConsensusPlanner(policy: policy).plan(Self.applied(quiet, to: c.snapshot()), now: due)
        #expect(then.events.map(\.kind) == [.rootExpiring])
    }

    @Test("agents fall silent once and recover once")
    func agentHealth() {
        let planner = ConsensusPlanner(policy: DecideCase.basePolicy)
        let seen = ["a1": Clock.at(-10), "a2": Clock.at(-4000)]
        let first = planner.agentHealth(lastSeen: seen, stored: [:], now: Clock.now)
        #expect(first.events.map(\.kind) == [.agentSilent] && first.events.first?.details["agent"] == "a2")
        #expect(planner.agentHealth(lastSeen: seen, stored: first.alerts, now: Clock.now).events.isEmpty)
        let back = planner.agentHealth(lastSeen: ["a1": Clock.at(-10), "a2": Clock.at(-5)], stored: first.alerts, now: Clock.now)
        #expect(back.events.map(\.kind) == [.recovered])
    }

    @Test("an unchained replacement is held once, and pinned with approvers' signatures")
    func heldThenApproved() {
        let c = DecideCase(name: "replacement", pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), status: .pending)
        let planner = ConsensusPlanner(policy: c.policy)
        let held = planner.plan(c.snapshot(previous: .init(status: .agreed, leading: RootSet.shared.sha(.v1), classification: .same, reasons: [])), now: Clock.now)
        #expect(held.events.map(\.kind) == [.replacementHeld] && held.pin == nil && held.state.held == RootSet.shared.sha(.v2Replaced))
        #expect(planner.plan(Self.applied(held, to: c.snapshot()), now: Clock.now).events.isEmpty)
        var approved = Self.applied(held, to: c.snapshot())
        approved.approved = [RootSet.shared.sha(.v2Replaced): ["approver-1", "approver-2"]]
        let pinned = planner.plan(approved, now: Clock.now)
        #expect(pinned.pin?.classification == .replaced && pinned.pin?.approvedBy == ["approver-1", "approver-2"])
        #expect(pinned.events.map(\.kind) == [.replaced, .recovered])
        #expect(pinned.events.last?.alert == held.events.first?.alert && pinned.alerts[.init(.consensus, "t/app")] == "ok")
    }
}
