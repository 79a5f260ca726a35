import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

/// One pure step over stored alert conditions: the events raised and the conditions that changed.
typealias AlertStep = @Sendable ([ConsensusPlanner.AlertKey: String]) -> (events: [VantageEvent], alerts: [ConsensusPlanner.AlertKey: String])

/// An alert opened by one step and closed by another (issue 22 item 8: every alert that opens is resolved).
struct AlertCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// The kind of the event that opens the alert.
    var opens: VantageEvent.Kind
    var severity: VantageEvent.Severity
    var key: String
    /// Conditions stored before the alert opens.
    var before: [ConsensusPlanner.AlertKey: String] = [:]
    var open: AlertStep
    var close: AlertStep
    /// A step while the alert is open that must raise nothing (default: `open` again).
    var steady: AlertStep? = nil

    var testDescription: String { name }
}

/// Builders of the alert table's steps: the planner over fixture views, agents' health, publication health, removal.
enum AlertSteps {
    static let target = "t/app"
    static let planner = ConsensusPlanner(policy: DecideCase.basePolicy)

    /// The planner over `views` with `pin` pinned (`approved`: digests with approvers' signatures).
    static func plan(
        _ views: [ViewSpec], pin: RootSet.Name? = .v1, approved: [RootSet.Name] = [], nextSeq: Int64 = 2, now: Timestamp = Clock.now
    ) -> AlertStep {
        { stored in
            var snapshot = DecideCase(name: "", pin: pin, views: views, approved: approved, status: .agreed).snapshot()
            snapshot.nextSeq = nextSeq
            snapshot.alerts = stored
            let plan = planner.plan(snapshot, now: now)
            return (plan.events, plan.alerts)
        }
    }

    /// The planner with `root` pinned and seen by a quorum (roots built outside the shared fixture set).
    static func plan(pinned root: Root, policy: ConsensusPolicy) -> AlertStep {
        { stored in
            let views = ["a1", "a2", "a3"].map {
                AgentView(agent: $0, region: Fleet.shared.region($0), sha256: root.sha256, observedAt: Clock.at(-10), since: Clock.at(-86_400))
            }
            let snapshot = TargetSnapshot(
                target: target, views: views, pin: .init(sha256: root.sha256), nextSeq: 2, roots: [root.sha256: root], approved: [:],
                previous: nil, alerts: stored)
            let plan = ConsensusPlanner(policy: policy).plan(snapshot, now: Clock.now)
            return (plan.events, plan.alerts)
        }
    }

    static func health(_ lastSeen: [String: Timestamp]) -> AlertStep {
        { stored in planner.agentHealth(lastSeen: lastSeen, stored: stored, now: Clock.now) }
    }

    static func publication(supported: Bool) -> AlertStep {
        { stored in
            let key = ConsensusPlanner.AlertKey(.unsupported, target)
            let result = planner.publicationHealth(target: target, supported: supported, stored: stored[key], now: Clock.now)
            return (result.events, result.condition.map { [key: $0] } ?? [:])
        }
    }

    static let removal: AlertStep = { stored in planner.removal(target: target, stored: stored, now: Clock.now) }

    /// Agents a1–a3 reporting an error `kind` with `message`.
    static func failing(_ kind: String, _ message: String, observed: Int64 = -10) -> [AgentView] {
        ["a1", "a2", "a3"].map {
            AgentView(
                agent: $0, region: Fleet.shared.region($0), sha256: nil, errorKind: kind, errorMessage: message, observedAt: Clock.at(observed),
                since: Clock.at(-600))
        }
    }

    static func planViews(_ views: [AgentView], pin: String? = RootSet.shared.sha(.v1)) -> AlertStep {
        { stored in
            let snapshot = TargetSnapshot(
                target: target, views: views, pin: pin.map { .init(sha256: $0) }, nextSeq: 2, roots: RootSet.shared.byDigest([.v1]),
                approved: [:], previous: nil, alerts: stored)
            let plan = planner.plan(snapshot, now: Clock.now)
            return (plan.events, plan.alerts)
        }
    }

    /// A TUF root expiring at `expires`.
    static func root(expires: TimeInterval) -> Root {
        try! RootFixture(keys: 2, expires: Clock.now.date.addingTimeInterval(expires)).root()
    }

    static let soonExpiring = root(expires: 10 * 86_400)
    static let fresh = root(expires: 365 * 86_400)
    static let shortCertificate = try! Root.parse(try! RootFixtures.notary(notAfter: Clock.now.date.addingTimeInterval(10 * 86_400)))
    static let warnFor30Days = DecideCase.policy { $0.expiryWarningDays = 30; $0.quorum = 2 }
}

@Suite("Alerts open and close")
struct AlertLifecycleTests {
    static let splitViews = seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4")
    static let heldViews = seeing(.v2Replaced, "a1", "a2", "a3")
    static func key(_ condition: AlertCondition, _ subject: String) -> String { condition.key(subject) }
    static let heldKey = AlertCondition.replacementHeld.key("t/app:\(RootSet.shared.sha(.v2Replaced))")
    static let split = AlertCondition.splitView.key("t/app")

    static let cases: [AlertCase] = [
        // split_view, whatever the next state is.
        .init(name: "split view → agreed", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.plan(seeing(.v1, "a1", "a2", "a3"))),
        .init(name: "split view → pending (a rotation waits for min_duration)", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.plan(seeing(.v2Rotated, "a1", "a2", "a3", since: -10))),
        .init(name: "split view → replacement held (the reported case)", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(Scenario.unapprovedReplacementInProgress.views), close: AlertSteps.plan(heldViews)),
        .init(name: "split view → no consensus", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.plan(seeing(.v1, "a1", "a2") + seeing(nil, "a3"))),
        .init(name: "split view → pinned (a chained rotation)", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.plan(seeing(.v2Rotated, "a1", "a2", "a3"))),
        .init(name: "split view → every agent fails", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.planViews(AlertSteps.failing("timeout", "t"))),
        // replacement_held: pinned, withdrawn or superseded.
        .init(name: "replacement held → pinned with approvers' signatures", opens: .replacementHeld, severity: .critical, key: heldKey,
              open: AlertSteps.plan(heldViews), close: AlertSteps.plan(heldViews, approved: [.v2Replaced])),
        .init(name: "replacement held → withdrawn (agents see the pin again)", opens: .replacementHeld, severity: .critical, key: heldKey,
              open: AlertSteps.plan(heldViews), close: AlertSteps.plan(seeing(.v1, "a1", "a2", "a3"))),
        .init(name: "replacement held → superseded by another replacement", opens: .replacementHeld, severity: .critical, key: heldKey,
              open: AlertSteps.plan(heldViews), close: AlertSteps.plan(seeing(.v2Bogus, "a1", "a2", "a3"))),
        .init(name: "replacement held → split view", opens: .replacementHeld, severity: .critical, key: heldKey,
              open: AlertSteps.plan(heldViews), close: AlertSteps.plan(splitViews)),
        // quorum_lost.
        .init(name: "quorum lost → agreed", opens: .quorumLost, severity: .warning, key: key(.quorumLost, "t/app"),
              open: AlertSteps.plan(seeing(.v1, "a1", "a2") + seeing(nil, "a3")), close: AlertSteps.plan(seeing(.v1, "a1", "a2", "a3"))),
        .init(name: "quorum lost → split view", opens: .quorumLost, severity: .warning, key: key(.quorumLost, "t/app"),
              open: AlertSteps.plan(seeing(.v1, "a1", "a2") + seeing(nil, "a3")), close: AlertSteps.plan(splitViews)),
        // unobservable (issue 22 item 9).
        .init(name: "every agent refuses → an agent observes a root again", opens: .unobservable, severity: .critical,
              key: key(.unobservable, "t/app"),
              open: AlertSteps.planViews(AlertSteps.failing("forbidden", "not admitted by network.allowed_sources"), pin: nil),
              close: AlertSteps.plan(seeing(.v1, "a1") + seeing(nil, "a2", "a3"), pin: nil)),
        .init(name: "every agent refuses → no fresh observation left", opens: .unobservable, severity: .critical,
              key: key(.unobservable, "t/app"),
              open: AlertSteps.planViews(AlertSteps.failing("forbidden", "rule"), pin: nil),
              close: AlertSteps.planViews(AlertSteps.failing("forbidden", "rule", observed: -4000), pin: nil)),
        // root_expiring / root_expired, certificate_expiring: the pin moves to a fresh root.
        .init(name: "root expiring → the pin moves to a fresh root", opens: .rootExpiring, severity: .warning,
              key: key(.rootExpiry, "t/app"),
              open: AlertSteps.plan(pinned: AlertSteps.soonExpiring, policy: AlertSteps.warnFor30Days),
              close: AlertSteps.plan(pinned: AlertSteps.fresh, policy: AlertSteps.warnFor30Days)),
        .init(name: "root expired → the pin moves to a fresh root", opens: .rootExpired, severity: .critical,
              key: key(.rootExpiry, "t/app"),
              open: AlertSteps.plan(pinned: AlertSteps.root(expires: -60), policy: AlertSteps.warnFor30Days),
              close: AlertSteps.plan(pinned: AlertSteps.fresh, policy: AlertSteps.warnFor30Days)),
        .init(name: "root expiring → no root pinned (re-pointed)", opens: .rootExpiring, severity: .warning,
              key: key(.rootExpiry, "t/app"),
              open: AlertSteps.plan(pinned: AlertSteps.soonExpiring, policy: AlertSteps.warnFor30Days),
              close: AlertSteps.plan(seeing(nil, "a1", "a2"), pin: nil)),
        .init(name: "certificate expiring → the pin moves to a fresh root", opens: .certificateExpiring, severity: .warning,
              key: key(.certificateExpiry, "t/app"),
              open: AlertSteps.plan(pinned: AlertSteps.shortCertificate, policy: AlertSteps.warnFor30Days),
              close: AlertSteps.plan(pinned: AlertSteps.fresh, policy: AlertSteps.warnFor30Days)),
        // agent_silent.
        .init(name: "agent silent → reports again", opens: .agentSilent, severity: .warning, key: key(.agentSilent, "a2"),
              open: AlertSteps.health(["a1": Clock.at(-10), "a2": Clock.at(-4000)]),
              close: AlertSteps.health(["a1": Clock.at(-10), "a2": Clock.at(-5)])),
        .init(name: "agent silent → removed", opens: .agentSilent, severity: .warning, key: key(.agentSilent, "a2"),
              open: AlertSteps.health(["a1": Clock.at(-10), "a2": Clock.at(-4000)]), close: AlertSteps.health(["a1": Clock.at(-10)])),
        // pin_unsupported.
        .init(name: "pin unsupported → published again", opens: .pinUnsupported, severity: .critical, key: key(.pinUnsupported, "t/app"),
              open: AlertSteps.publication(supported: false), close: AlertSteps.publication(supported: true)),
        // source_changed: raised by the registry when the configuration re-points a target; closed by its first pin.
        .init(name: "source changed → the new source is pinned", opens: .sourceChanged, severity: .critical,
              key: key(.sourceChanged, "t/app"),
              open: { _ in
                  let event = ConsensusEvents.sourceChanged(target: "t/app", from: "old", to: SourceFixtures.tuf, now: Clock.now)
                  return ([event], [.init(.source, "t/app"): "changed"])
              },
              close: AlertSteps.plan(seeing(.v1, "a1", "a2", "a3"), pin: nil), steady: AlertSteps.plan(seeing(.v1, "a1"), pin: nil)),
        // A removed target: each of its open alerts.
        .init(name: "split view → target removed", opens: .splitView, severity: .critical, key: split,
              open: AlertSteps.plan(splitViews), close: AlertSteps.removal),
        .init(name: "unobservable → target removed", opens: .unobservable, severity: .critical, key: key(.unobservable, "t/app"),
              open: AlertSteps.planViews(AlertSteps.failing("forbidden", "rule"), pin: nil), close: AlertSteps.removal),
    ]

    /// Open once, steady while open, exactly one resolution with the same key, steady after.
    @Test("open → close", arguments: cases)
    func openThenClose(_ c: AlertCase) {
        let opened = c.open(c.before)
        let openers = opened.events.filter { $0.alert == c.key }
        #expect(openers.map(\.kind) == [c.opens])
        #expect(openers.first?.severity == c.severity && openers.first?.resolvesAlert == false)
        #expect(openers.first?.details["alert_state"] == "open")
        let open = c.before.merging(opened.alerts) { $1 }
        #expect((c.steady ?? c.open)(open).events.isEmpty, "a steady open condition raises nothing")

        let closed = c.close(open)
        let resolutions = closed.events.filter(\.resolvesAlert)
        #expect(resolutions.count == 1)
        #expect(resolutions.first?.alert == c.key)
        #expect(resolutions.first?.kind == .recovered && resolutions.first?.severity == .info)
        #expect(closed.events.filter { $0.alert == c.key }.count == 1, "nothing else under the closed key")
        #expect(Set(closed.events.map(\.id)).count == closed.events.count, "distinct ids")
        let after = open.merging(closed.alerts) { $1 }
        #expect(c.close(after).events.filter(\.resolvesAlert).isEmpty, "resolved once")
    }

    /// Every kind that opens an alert has a case above (the positive control for "each kind").
    @Test func everyOpeningKindIsCovered() {
        let notices: Set<VantageEvent.Kind> = [.firstPin, .resigned, .rotated, .replaced, .recovered, .agentRemoved, .agentAdded, .adminAction, .test]
        // Kinds added by other features (e.g. the mirror writer's) are covered by their own tests.
        let covered = Set(Self.cases.map(\.opens))
        let opening: Set<VantageEvent.Kind> = [
            .splitView, .replacementHeld, .quorumLost, .unobservable, .rootExpiring, .rootExpired, .certificateExpiring,
            .agentSilent, .pinUnsupported, .sourceChanged,
        ]
        #expect(opening.isSubset(of: covered))
        #expect(opening.isDisjoint(with: notices))
    }

    /// The reported timeline: during a replacement agents reach the new root at different times (a split view), it is
    /// held, then approved and pinned. Every alert that opened is closed at the end.
    @Test func splitViewDuringAReplacementIsResolved() {
        let steps = [
            AlertSteps.plan(seeing(.v1, "a1", "a2", "a3")),
            AlertSteps.plan(Scenario.unapprovedReplacementInProgress.views),
            AlertSteps.plan(Self.heldViews),
            AlertSteps.plan(Self.heldViews, approved: [.v2Replaced]),
        ]
        var stored: [ConsensusPlanner.AlertKey: String] = [:]
        var raised: [[VantageEvent.Kind]] = []
        var open = Set<String>()
        for step in steps {
            let result = step(stored)
            raised.append(result.events.map(\.kind))
            stored.merge(result.alerts) { $1 }
            for event in result.events {
                guard let alert = event.alert else { continue }
                if event.resolvesAlert { #expect(open.remove(alert) != nil, "resolves only what is open") } else { open.insert(alert) }
            }
        }
        #expect(raised == [[], [.splitView], [.recovered, .replacementHeld], [.replaced, .recovered]])
        #expect(open.isEmpty)
    }

    /// The unobservable alert names the error kind and the agents' message (the rule of a refusal).
    @Test func unobservableNamesTheRule() throws {
        let rule = "https://tuf.example.test/metadata: not admitted by network.allowed_sources"
        let result = AlertSteps.planViews(AlertSteps.failing("forbidden", rule), pin: nil)([:])
        let event = try #require(result.events.first { $0.kind == .unobservable })
        #expect(event.details["error_kind"] == "forbidden" && event.details["error_message"] == rule)
        #expect(event.message.contains(rule) && event.message.contains("forbidden"))
        #expect(event.details["agents"] == "a1@eu=forbidden,a2@us=forbidden,a3@ap=forbidden")
        // Control: one agent observing a root is no alert, though the others refuse.
        #expect(AlertSteps.plan(seeing(.v1, "a1") + seeing(nil, "a2", "a3"), pin: nil)([:]).events.isEmpty)
    }

    /// Escalation keeps the key: expiring, then expired, is one alert (no resolution between), resolved once.
    @Test func expiryEscalatesUnderOneKey() {
        let policy = DecideCase.policy { $0.expiryWarningDays = 30; $0.quorum = 2 }
        let expiring = AlertSteps.plan(pinned: AlertSteps.soonExpiring, policy: policy)([:])
        let expired = ConsensusPlanner(policy: policy).plan(
            TargetSnapshot(
                target: "t/app",
                views: ["a1", "a2"].map {
                    AgentView(agent: $0, region: Fleet.shared.region($0), sha256: AlertSteps.soonExpiring.sha256,
                              observedAt: Clock.at(11 * 86_400 - 10), since: Clock.at(-86_400))
                },
                pin: .init(sha256: AlertSteps.soonExpiring.sha256), nextSeq: 2,
                roots: [AlertSteps.soonExpiring.sha256: AlertSteps.soonExpiring], approved: [:], previous: nil, alerts: expiring.alerts),
            now: Clock.at(11 * 86_400))
        #expect(expiring.events.map(\.kind) == [.rootExpiring])
        #expect(expired.events.map(\.kind) == [.rootExpired])
        #expect(expired.events.first?.alert == expiring.events.first?.alert)
    }
}
