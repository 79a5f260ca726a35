import Testing
import VantageCore
import VantageTUF

/// Consensus on `oci` and `file` targets: digests compared, not roots classified. Each attack or hold has its control:
/// the same views without the malicious change (or with approvals) are pinned.
@Suite("Content consensus")
struct ContentConsensusTests {
    static let (d1, d2, d3) = (String(repeating: "1", count: 64), String(repeating: "2", count: 64), String(repeating: "3", count: 64))

    /// An agent's view of `digest`: observed `observed` s from now, held since `since`, with verdict `continuity`.
    static func view(_ agent: String, _ digest: String?, observed: Int64 = -10, since: Int64 = -86_400, _ continuity: Continuity = .same) -> AgentView {
        AgentView(
            agent: agent, region: Fleet.shared.region(agent), sha256: digest, errorKind: digest == nil ? "timeout" : nil,
            observedAt: Clock.at(observed), since: Clock.at(since),
            attestation: digest.map { _ in Attestation(agent: agent, observedAt: Clock.at(observed), continuity: continuity, signature: "") })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var changes: ChangePolicy = .follow
        var pin: String?
        var views: [AgentView]
        var stored: Set<String> = [ContentConsensusTests.d1, ContentConsensusTests.d2, ContentConsensusTests.d3]
        var approved: Set<String> = []
        var status: ConsensusDecision.Status
        var pins: String? = nil
        var classification: PinClassification? = nil
        var event: VantageEvent.Kind? = nil
        var testDescription: String { name }
    }

    static let policy = DecideCase.basePolicy

    static let cases: [Case] = [
        Case(name: "first sight by a quorum: first pin",
             views: ["a1", "a2", "a3"].map { view($0, d1, .firstSight) }, status: .changing, pins: d1, classification: .first, event: .firstPin),
        Case(name: "bytes not received: nothing pinned (control: the case above)",
             views: ["a1", "a2", "a3"].map { view($0, d1, .firstSight) }, stored: [], status: .pending, classification: .invalid),
        Case(name: "a floating tag moved for every agent: the pin follows",
             pin: d1, views: ["a1", "a2", "a3"].map { view($0, d2, since: -100, .changed) }, status: .changing, pins: d2,
             classification: .moved, event: .moved),
        Case(name: "an immutable tag moved: held for approvers",
             changes: .hold, pin: d1, views: ["a1", "a2", "a3"].map { view($0, d2, since: -100, .changed) }, status: .pending,
             classification: .changed, event: .replacementHeld),
        Case(name: "an immutable tag moved and approvers signed: pinned (control of the hold)",
             changes: .hold, pin: d1, views: ["a1", "a2", "a3"].map { view($0, d2, since: -100, .changed) }, approved: [d2],
             status: .changing, pins: d2, classification: .changed, event: .changed),
        Case(name: "a held change is held even when fresh agents call it a first sight",
             changes: .hold, pin: d1, views: ["a1", "a2", "a3"].map { view($0, d2, since: -100, .firstSight) }, status: .pending,
             classification: .changed, event: .replacementHeld),
        Case(name: "a floating move whose supporters attest a root verdict is held",
             pin: d1, views: ["a1", "a2", "a3"].map { view($0, d2, since: -100, .unchained) }, status: .pending, classification: .changed,
             event: .replacementHeld),
        Case(name: "one agent saw the move after the others last polled: not a split view",
             pin: d1, views: [view("a1", d2, since: -10), view("a2", d1, observed: -100), view("a3", d1, observed: -100), view("a4", d1, observed: -100)],
             status: .agreed, classification: .same),
        Case(name: "one agent served another digest while the others see the pin: split view (control: the case above)",
             pin: d1, views: [view("a1", d2, since: -3_600), view("a2", d1), view("a3", d1), view("a4", d1)],
             status: .splitView, event: .splitView),
        Case(name: "the move seen in the same second another agent last saw the pin: not a split view",
             pin: d1, views: [view("a1", d2, observed: -10, since: -10), view("a2", d1, observed: -10), view("a3", d1, observed: -10), view("a4", d1, observed: -10)],
             status: .agreed, classification: .same),
        Case(name: "half moved, half not polled since: no split view",
             pin: d1, views: [view("a1", d2, since: -50), view("a2", d2, since: -50), view("a3", d1, observed: -100), view("a4", d1, observed: -100)],
             status: .noConsensus),
        Case(name: "half on each digest at once: split view (control: the case above)",
             pin: d1, views: [view("a1", d2, since: -3_600), view("a2", d2, since: -3_600), view("a3", d1), view("a4", d1)],
             status: .splitView, event: .splitView),
    ]

    @Test("decide", arguments: cases)
    func decide(_ c: Case) {
        let snapshot = TargetSnapshot(
            target: "t/image", views: c.views, pin: c.pin.map { .init(sha256: $0) }, nextSeq: 1, roots: [:],
            approved: Dictionary(uniqueKeysWithValues: c.approved.map { ($0, Set(["alice"])) }), previous: nil,
            content: .init(changes: c.changes, stored: c.stored))
        let plan = ConsensusPlanner(policy: Self.policy).plan(snapshot, now: Clock.now)
        let pinned = plan.pin?.sha256
        #expect(pinned == c.pins, "\(c.name): \(plan.state.reasons)")
        #expect(plan.pin.map { $0.version == 0 } ?? true)
        if c.pins != nil {
            #expect(plan.pin?.classification == c.classification)
        } else {
            #expect(plan.state.status == c.status, "\(c.name): \(plan.state.reasons)")
            if let classification = c.classification { #expect(plan.state.classification == classification, "\(plan.state.reasons)") }
        }
        if let event = c.event { #expect(plan.events.map(\.kind).contains(event), "\(c.name): \(plan.events.map(\.kind))") }
        #expect(!plan.events.contains { $0.kind == .splitView } || c.event == .splitView, "\(c.name): unexpected split view")
    }

    @Test("a move in progress is decided again next round; agreement waits for nothing")
    func moveInProgressIsRechecked() {
        let planner = ConsensusPlanner(policy: Self.policy)
        func plan(_ views: [AgentView]) -> TargetPlan {
            planner.plan(
                TargetSnapshot(
                    target: "t/image", views: views, pin: .init(sha256: Self.d1), nextSeq: 2, roots: [:], approved: [:], previous: nil,
                    content: .init(changes: .follow, stored: [Self.d1, Self.d2])),
                now: Clock.now)
        }
        // The spans of a move grow with every poll without a new outcome, so ingest marks nothing: the planner asks.
        let moving = plan([Self.view("a1", Self.d2, since: -10), Self.view("a2", Self.d1, observed: -100), Self.view("a3", Self.d1, observed: -100)])
        #expect(moving.due == Clock.at(1), "\(String(describing: moving.due))")
        // Control: every agent on the pin: due only when a view would leave the fresh window.
        let settled = plan(["a1", "a2", "a3"].map { Self.view($0, Self.d1) })
        #expect(settled.due.map { $0 > Clock.at(60) } ?? true, "\(String(describing: settled.due))")
    }

    @Test("verdicts: only first sight, same, and a followed change support a content pin")
    func verdicts() {
        for continuity in Continuity.allCases {
            let follows = continuity.supportsPin(under: .follow)
            let holds = continuity.supportsPin(under: .hold)
            #expect(follows == [.firstSight, .same, .changed].contains(continuity), "\(continuity)")
            #expect(holds == [.firstSight, .same].contains(continuity), "\(continuity)")
            // Roots: a verified continuation; `changed` means nothing for them.
            #expect(continuity.supportsPin(under: nil) == ![.unchained, .changed].contains(continuity))
        }
    }
}
