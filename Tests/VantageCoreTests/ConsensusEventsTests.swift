import Testing
import VantageCore
import VantageTUF

/// One transition: the previous status, a decision (made by the evaluator from a scenario) and the pin at the time.
struct EventCase: Sendable, CustomTestStringConvertible {
    var name: String
    var previous: ConsensusDecision.Status?
    /// The digest held as an unchained replacement after the previous round.
    var held: RootSet.Name? = nil
    var scenario: DecideCase
    var pinned: RootSet.Name?
    var expected: [VantageEvent.Kind]
    /// The severity of the first event that is not a resolution (or of the resolution alone).
    var severity: VantageEvent.Severity? = nil

    var testDescription: String { name }

    /// The alert the previous round left open, as the planner stores it.
    func open(_ set: RootSet = .shared) -> ConsensusAlert? {
        switch previous {
        case .splitView: .splitView
        case .noConsensus where pinned != nil: .quorumLost
        case .pending: held.map { .replacementHeld(sha256: set.sha($0)) }
        default: nil
        }
    }
}

/// Scenarios whose decisions the event table reuses (their own expectations are checked in `ConsensusEvaluatorTests`).
enum Scenario {
    static let firstPin = DecideCase(name: "first", views: seeing(.v1, "a1", "a2", "a3"), status: .changing)
    static let agreed = DecideCase(name: "agreed", pin: .v1, views: seeing(.v1, "a1", "a2", "a3"), status: .agreed)
    static let resigned = DecideCase(name: "resigned", pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3"), status: .changing)
    static let rotated = DecideCase(name: "rotated", pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3"), status: .changing)
    static let rotationWaiting = DecideCase(
        name: "rotation waiting", pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", since: -10), status: .pending)
    static let replacementHeld = DecideCase(
        name: "replacement held", pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), status: .pending)
    static let replacementApproved = DecideCase(
        name: "replacement approved", pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), approved: [.v2Replaced],
        status: .changing)
    static let replacementHoldOver = DecideCase(
        name: "replacement hold over", policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) },
        pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3", since: -7200), approved: [.v2Replaced], status: .changing)
    static let approvedReplacementInProgress = DecideCase(
        name: "approved replacement in progress", pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3") + seeing(.v1, "a4", "a5"),
        approved: [.v2Replaced], status: .changing)
    static let rotationInProgress = DecideCase(
        name: "rotation in progress", pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3") + seeing(.v1, "a4"), status: .changing)
    static let unapprovedReplacementInProgress = DecideCase(
        name: "unapproved replacement in progress", pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3") + seeing(.v1, "a4", "a5"),
        status: .splitView)
    static let invalid = DecideCase(
        name: "invalid leading root", pin: .v1, views: seeing(.v2UnderSigned, "a1", "a2", "a3"), status: .pending)
    static let splitView = DecideCase(
        name: "split view", pin: .v1, views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4"), status: .splitView)
    static let quorumLost = DecideCase(
        name: "quorum lost", pin: .v1, views: seeing(.v1, "a1", "a2") + seeing(nil, "a3"), status: .noConsensus)
    static let nothingSeen = DecideCase(name: "nothing seen", views: seeing(nil, "a1", "a2", "a3"), status: .noConsensus)
}

@Suite("ConsensusEvents.events")
struct ConsensusEventsTests {
    static let cases: [EventCase] = [
        .init(name: "first pin", previous: nil, scenario: Scenario.firstPin, pinned: nil, expected: [.firstPin], severity: .info),
        .init(name: "first pin after no consensus", previous: .noConsensus, scenario: Scenario.firstPin, pinned: nil,
              expected: [.firstPin], severity: .info),
        .init(name: "re-signed root followed", previous: .agreed, scenario: Scenario.resigned, pinned: .v1,
              expected: [.resigned], severity: .info),
        .init(name: "rotated root followed", previous: .pending, scenario: Scenario.rotated, pinned: .v1,
              expected: [.rotated], severity: .warning),
        .init(name: "replacement pinned after approval", previous: .pending, scenario: Scenario.replacementApproved,
              pinned: .v1, expected: [.replaced], severity: .warning),
        .init(name: "replacement pinned after the hold period", previous: .pending, scenario: Scenario.replacementHoldOver,
              pinned: .v1, expected: [.replaced], severity: .warning),
        // Alert hygiene: a planned change that agents reach at different times pages nobody.
        .init(name: "pre-approved replacement while some agents still see the pinned root: no split view", previous: .agreed,
              scenario: Scenario.approvedReplacementInProgress, pinned: .v1, expected: [.replaced], severity: .warning),
        .init(name: "chained rotation while some agents still see the pinned root: no split view", previous: .agreed,
              scenario: Scenario.rotationInProgress, pinned: .v1, expected: [.rotated], severity: .warning),
        .init(name: "unapproved replacement while some agents still see the pinned root: split view (control)", previous: .agreed,
              scenario: Scenario.unapprovedReplacementInProgress, pinned: .v1, expected: [.splitView], severity: .critical),
        .init(name: "replacement held (first time)", previous: .agreed, scenario: Scenario.replacementHeld, pinned: .v1,
              expected: [.replacementHeld], severity: .critical),
        // Issue 22 item 8: the split view that a held replacement follows is resolved, not left open.
        .init(name: "replacement held after a split view", previous: .splitView, scenario: Scenario.replacementHeld,
              pinned: .v1, expected: [.recovered, .replacementHeld], severity: .critical),
        .init(name: "replacement held again: not repeated", previous: .pending, held: .v2Replaced,
              scenario: Scenario.replacementHeld, pinned: .v1, expected: []),
        .init(name: "replacement held after a rotation was pending", previous: .pending, scenario: Scenario.replacementHeld,
              pinned: .v1, expected: [.replacementHeld], severity: .critical),
        .init(name: "a different replacement takes the held one's place", previous: .pending, held: .v2Rotated,
              scenario: Scenario.replacementHeld, pinned: .v1, expected: [.recovered, .replacementHeld], severity: .critical),
        .init(name: "held replacement pinned with approvers' signatures", previous: .pending, held: .v2Replaced,
              scenario: Scenario.replacementApproved, pinned: .v1, expected: [.replaced, .recovered], severity: .warning),
        .init(name: "held replacement withdrawn: agents see the pin again", previous: .pending, held: .v2Replaced,
              scenario: Scenario.agreed, pinned: .v1, expected: [.recovered]),
        .init(name: "rotation waiting for min_duration raises nothing", previous: .agreed, scenario: Scenario.rotationWaiting,
              pinned: .v1, expected: []),
        .init(name: "invalid leading root raises no replacement alert", previous: .agreed, scenario: Scenario.invalid,
              pinned: .v1, expected: []),
        .init(name: "split view (first time)", previous: .agreed, scenario: Scenario.splitView, pinned: .v1,
              expected: [.splitView], severity: .critical),
        .init(name: "split view with no previous status", previous: nil, scenario: Scenario.splitView, pinned: .v1,
              expected: [.splitView], severity: .critical),
        .init(name: "split view after no consensus", previous: .noConsensus, scenario: Scenario.splitView, pinned: .v1,
              expected: [.recovered, .splitView], severity: .critical),
        .init(name: "split view again: not repeated", previous: .splitView, scenario: Scenario.splitView, pinned: .v1,
              expected: []),
        .init(name: "quorum lost (first time)", previous: .agreed, scenario: Scenario.quorumLost, pinned: .v1,
              expected: [.quorumLost], severity: .warning),
        .init(name: "quorum lost after a split view", previous: .splitView, scenario: Scenario.quorumLost, pinned: .v1,
              expected: [.recovered, .quorumLost], severity: .warning),
        .init(name: "quorum lost again: not repeated", previous: .noConsensus, scenario: Scenario.quorumLost, pinned: .v1,
              expected: []),
        .init(name: "no consensus without a pin is not quorum lost", previous: .agreed, scenario: Scenario.nothingSeen,
              pinned: nil, expected: []),
        .init(name: "recovered after a split view", previous: .splitView, scenario: Scenario.agreed, pinned: .v1,
              expected: [.recovered], severity: .info),
        .init(name: "recovered after no consensus", previous: .noConsensus, scenario: Scenario.agreed, pinned: .v1,
              expected: [.recovered], severity: .info),
        .init(name: "steady agreement raises nothing", previous: .agreed, scenario: Scenario.agreed, pinned: .v1, expected: []),
        .init(name: "agreement after pending raises nothing", previous: .pending, scenario: Scenario.agreed, pinned: .v1,
              expected: []),
        .init(name: "agreement with no previous status raises nothing", previous: nil, scenario: Scenario.agreed, pinned: .v1,
              expected: []),
    ]

    @Test("transitions", arguments: cases)
    func transitions(_ c: EventCase) {
        let set = RootSet.shared
        let decision = c.scenario.decide()
        #expect(decision.status == c.scenario.status, "scenario \(c.scenario.name): \(decision.reasons)")
        let open = c.open(set)
        let (events, next) = ConsensusEvents.events(
            target: "t/app", open: open, decision: decision, pinned: c.pinned.map(set.sha), now: Clock.now)
        #expect(events.map(\.kind) == c.expected)
        if let severity = c.severity { #expect((events.first { !$0.resolvesAlert } ?? events.first)?.severity == severity) }
        // The alert open before is resolved exactly when another (or none) is open after, under its own key.
        #expect(events.filter(\.resolvesAlert).map(\.alert) == (open != nil && open != next ? [open!.key(target: "t/app")] : []))
        #expect(events.filter { $0.alert != nil && !$0.resolvesAlert }.map(\.alert) == (next != nil && next != open ? [next!.key(target: "t/app")] : []))
        let legacyID = { (event: VantageEvent) in
            ConsensusEvents.eventID(target: "t/app", kind: event.kind, now: Clock.now, digest: decision.leading ?? c.pinned.map(set.sha) ?? "")
        }
        for event in events {
            #expect(event.target == "t/app")
            #expect(event.at == Clock.now)
            // Events that existed before alerts had keys keep their ids; other resolutions are named by their key.
            let agreedAgain = decision.status == .agreed && (open == .splitView || open == .quorumLost)
            #expect(event.id == (event.resolvesAlert && !agreedAgain
                ? ConsensusEvents.eventID(target: "t/app", kind: .recovered, now: Clock.now, digest: event.alert ?? "") : legacyID(event)))
            if let leading = decision.leading { #expect(event.details["sha256"] == leading) }
            if let pinned = c.pinned { #expect(event.details["pinned_sha256"] == set.sha(pinned)) }
        }
    }

    /// A target's life, evaluated step by step with the previous status carried forward: each alert fires once.
    @Test("a timeline raises each alert once")
    func timeline() {
        let set = RootSet.shared
        let steps: [(DecideCase, pinnedBefore: RootSet.Name?)] = [
            (Scenario.nothingSeen, nil), (Scenario.firstPin, nil), (Scenario.agreed, .v1), (Scenario.agreed, .v1),
            (Scenario.splitView, .v1), (Scenario.splitView, .v1), (Scenario.agreed, .v1),
            (Scenario.quorumLost, .v1), (Scenario.quorumLost, .v1), (Scenario.agreed, .v1),
            (Scenario.rotationWaiting, .v1), (Scenario.replacementHeld, .v1), (Scenario.replacementHeld, .v1),
            (Scenario.replacementApproved, .v1),
        ]
        var open: ConsensusAlert?
        var raised: [[VantageEvent.Kind]] = []
        for (step, pinned) in steps {
            let result = ConsensusEvents.events(target: "t/app", open: open, decision: step.decide(), pinned: pinned.map(set.sha), now: Clock.now)
            raised.append(result.events.map(\.kind))
            open = result.open
        }
        #expect(raised == [
            [], [.firstPin], [], [], [.splitView], [], [.recovered], [.quorumLost], [], [.recovered],
            [], [.replacementHeld], [], [.replaced, .recovered],
        ])
        #expect(open == nil)
    }

    @Test("event ids are stable idempotency keys")
    func stableIDs() {
        let set = RootSet.shared
        let decision = Scenario.splitView.decide()
        let once = ConsensusEvents.events(target: "t/app", open: nil, decision: decision, pinned: set.sha(.v1), now: Clock.now).events
        let again = ConsensusEvents.events(target: "t/app", open: nil, decision: decision, pinned: set.sha(.v1), now: Clock.now).events
        #expect(once == again)
        let id = ConsensusEvents.eventID(target: "t/app", kind: .splitView, now: Clock.now, digest: set.sha(.v1))
        #expect(id.count == 32)
        #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(id == ConsensusEvents.eventID(target: "t/app", kind: .splitView, now: Clock.now, digest: set.sha(.v1)))
        let variants = [
            ConsensusEvents.eventID(target: "t/other", kind: .splitView, now: Clock.now, digest: set.sha(.v1)),
            ConsensusEvents.eventID(target: "t/app", kind: .quorumLost, now: Clock.now, digest: set.sha(.v1)),
            ConsensusEvents.eventID(target: "t/app", kind: .splitView, now: Clock.at(1), digest: set.sha(.v1)),
            ConsensusEvents.eventID(target: "t/app", kind: .splitView, now: Clock.now, digest: set.sha(.v2Replaced)),
        ]
        #expect(Set(variants + [id]).count == 5)
    }

    @Test("split view details name the dissenters")
    func splitViewDetails() throws {
        let set = RootSet.shared
        let decision = Scenario.splitView.decide()
        let event = try #require(ConsensusEvents.events(
            target: "t/app", open: nil, decision: decision, pinned: set.sha(.v1), now: Clock.now).events.first)
        #expect(event.details["dissenters"] == "a4@eu=\(set.sha(.v2Replaced))")
        #expect(event.details["supporters"] == "a1@eu,a2@us,a3@ap")
    }

    @Test("an oci or file target's alerts speak of digests, a root target's of roots")
    func contentWording() throws {
        let set = RootSet.shared
        let decision = Scenario.splitView.decide()
        func message(content: Bool) throws -> String {
            try #require(ConsensusEvents.events(
                target: "t/app", open: nil, decision: decision, pinned: set.sha(.v1), now: Clock.now, content: content).events.first).message
        }
        #expect(try message(content: true).hasPrefix("agents see different digests: "))
        #expect(try message(content: false).hasPrefix("agents see different roots: "))
    }
}

/// A root the coordinator could chain but the agents attest unchained is held, and says so once.
@Suite struct UnchainedVerdictHoldTests {
    @Test func heldWithAnAlertOnceUntilApproved() {
        let decision = ConsensusDecision(
            status: .pending, action: .keep, leading: String(repeating: "b", count: 64), supporters: [], dissenters: [], failing: [],
            classification: .unchained, reasons: ["agents attest this root as unchained"])
        let now = Timestamp(seconds: 1_780_000_000)
        let first = ConsensusEvents.events(target: "t", open: nil, decision: decision, pinned: String(repeating: "a", count: 64), now: now)
        #expect(first.events.map(\.kind) == [VantageEvent.Kind.replacementHeld])
        let again = ConsensusEvents.events(target: "t", open: first.open, decision: decision, pinned: String(repeating: "a", count: 64), now: now)
        #expect(again.events.isEmpty)
    }
}
