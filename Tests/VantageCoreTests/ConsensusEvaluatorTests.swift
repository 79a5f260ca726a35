import Testing
@testable import VantageCore
import VantageTUF

extension ConsensusEvaluator {
    /// The evaluator on parsed roots, each classification computed afresh (``ConsensusPlanner`` memoises them).
    func decide(views: [AgentView], pin: CurrentPin?, roots: [String: Root], approved: Set<String>, now: Timestamp) -> ConsensusDecision {
        decide(views: views, pin: pin, approved: approved, now: now) { classify($0, pin: pin, roots: roots) }
    }
}

/// One named consensus scenario: views, pin, known roots, approvals → status, action, classification.
struct DecideCase: Sendable, CustomTestStringConvertible {
    var name: String
    var policy: ConsensusPolicy = DecideCase.basePolicy
    var pin: RootSet.Name? = nil
    var views: [ViewSpec]
    /// Roots whose bytes the coordinator holds (default: every root the views mention, and the pin).
    var roots: [RootSet.Name]? = nil
    var approved: [RootSet.Name] = []
    var status: ConsensusDecision.Status
    /// The root pinned by this decision, or `nil` for `.keep`.
    var pins: RootSet.Name? = nil
    var classification: PinClassification? = nil
    var leading: RootSet.Name? = nil
    var failing = 0

    var testDescription: String { name }

    /// quorum 3 from 2 regions, 30 min freshness, no dissent; min_duration first 0, resigned 0, rotated 600,
    /// replaced 3600; unchained replacements wait for approval.
    static let basePolicy = ConsensusPolicy(
        quorum: 3, minRegions: 2, maxAgeSeconds: 1800, maxDissent: 0,
        minDuration: .init(first: 0, resigned: 0, rotated: 600, replaced: 3600), unchained: .approve)

    /// Runs the evaluator on this case at `Clock.now`.
    func decide(_ set: RootSet = .shared) -> ConsensusDecision {
        let rootNames = roots ?? Array(Set(views.compactMap(\.root) + (pin.map { [$0] } ?? [])))
        return ConsensusEvaluator(policy: policy).decide(
            views: views.map { $0.view(set) }, pin: pin.map { .init(sha256: set.sha($0)) }, roots: set.byDigest(rootNames),
            approved: Set(approved.map(set.sha)), now: Clock.now)
    }

    static func policy(_ change: (inout ConsensusPolicy) -> Void) -> ConsensusPolicy {
        var p = basePolicy
        change(&p)
        return p
    }
}

@Suite("ConsensusEvaluator.decide")
struct ConsensusEvaluatorTests {
    static let cases: [DecideCase] = [
        // Quorum and regions.
        .init(name: "first pin with exactly quorum agents in quorum regions",
              views: seeing(.v1, "a1", "a2", "a3"), status: .changing, pins: .v1, classification: .first, leading: .v1),
        .init(name: "first pin: one agent short of quorum",
              views: seeing(.v1, "a1", "a2"), status: .noConsensus, leading: .v1),
        .init(name: "enough agents but all in one region (min_regions 2)",
              views: seeing(.v1, "a1", "a4", "a6"), status: .noConsensus, leading: .v1),
        .init(name: "enough agents, two regions short of min_regions 3",
              policy: DecideCase.policy { $0.minRegions = 3 },
              views: seeing(.v1, "a1", "a2", "a4", "a5"), status: .noConsensus, leading: .v1),
        .init(name: "min_regions 3 met with exactly three regions",
              policy: DecideCase.policy { $0.minRegions = 3 },
              views: seeing(.v1, "a1", "a2", "a3"), status: .changing, pins: .v1, classification: .first, leading: .v1),
        .init(name: "no fresh observation at all",
              views: seeing(.v1, "a1", "a2", "a3", observed: -5000), status: .noConsensus),
        .init(name: "no views", views: [], status: .noConsensus),

        // Freshness.
        .init(name: "stale agent (observed 1 s beyond max_age) is ignored",
              views: seeing(.v1, "a1", "a2") + seeing(.v1, "a3", observed: -1801), status: .noConsensus, leading: .v1),
        .init(name: "agent observed exactly max_age ago still counts",
              views: seeing(.v1, "a1", "a2") + seeing(.v1, "a3", observed: -1800), status: .changing, pins: .v1,
              classification: .first, leading: .v1),
        .init(name: "far-future agent (now + 301 s) is ignored",
              views: seeing(.v1, "a1", "a2") + seeing(.v1, "a3", observed: 301), status: .noConsensus, leading: .v1),
        .init(name: "agent observed within the 300 s future tolerance counts",
              views: seeing(.v1, "a1", "a2") + seeing(.v1, "a3", observed: 300), status: .changing, pins: .v1,
              classification: .first, leading: .v1),
        .init(name: "stale dissenter does not cause a split view",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3") + seeing(.v1, "a4", observed: -4000),
              status: .changing, pins: .v2Resigned, classification: .resigned, leading: .v2Resigned),
        .init(name: "far-future dissenter does not cause a split view",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4", observed: 10_000),
              status: .agreed, classification: .same, leading: .v1),

        // Dissent and split views.
        .init(name: "dissent exactly at max_dissent: the pin moves",
              policy: DecideCase.policy { $0.maxDissent = 1 }, pin: .v1,
              views: seeing(.v2Resigned, "a1", "a2", "a3") + seeing(.v2Replaced, "a4"),
              status: .changing, pins: .v2Resigned, classification: .resigned, leading: .v2Resigned),
        .init(name: "dissent one above max_dissent: split view, pin does not move",
              policy: DecideCase.policy { $0.maxDissent = 1 }, pin: .v1,
              views: seeing(.v2Resigned, "a1", "a2", "a3") + seeing(.v2Replaced, "a4", "a5"),
              status: .splitView, leading: .v2Resigned),
        .init(name: "agents still on the pinned root while the rest see its successor: a rotation in progress, not a split view",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3") + seeing(.v1, "a4", "a5"),
              status: .changing, pins: .v2Resigned, classification: .resigned, leading: .v2Resigned),
        // Alert hygiene: the minority sees the pinned root, a verified successor or a pre-approved digest.
        .init(name: "a quorum on a pre-approved replacement, the rest still on the pinned root: pinned, not a split view",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3") + seeing(.v1, "a4", "a5"), approved: [.v2Replaced],
              status: .changing, pins: .v2Replaced, classification: .replaced, leading: .v2Replaced),
        .init(name: "the same without the approval: a split view (control)",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3") + seeing(.v1, "a4", "a5"),
              status: .splitView, leading: .v2Replaced),
        .init(name: "a quorum on the pinned root, one agent already on the pre-approved replacement: not a split view",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4"), approved: [.v2Replaced],
              status: .agreed, classification: .same, leading: .v1),
        .init(name: "a quorum on a chained rotation, one agent still on the pinned root: not a split view",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3") + seeing(.v1, "a4"),
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),
        .init(name: "the pinned root and a pre-approved replacement tied: not a split view",
              policy: DecideCase.policy { $0.quorum = 2; $0.maxDissent = 5 }, pin: .v1,
              views: seeing(.v1, "a1", "a2") + seeing(.v2Replaced, "a3", "a5"), approved: [.v2Replaced],
              status: RootSet.shared.sha(.v1) < RootSet.shared.sha(.v2Replaced) ? .agreed : .changing,
              pins: RootSet.shared.sha(.v1) < RootSet.shared.sha(.v2Replaced) ? nil : .v2Replaced,
              classification: RootSet.shared.sha(.v1) < RootSet.shared.sha(.v2Replaced) ? .same : .replaced,
              leading: RootSet.shared.sha(.v1) < RootSet.shared.sha(.v2Replaced) ? .v1 : .v2Replaced),
        .init(name: "one agent already on the pinned root's successor: not a split view",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Resigned, "a4"),
              status: .agreed, classification: .same, leading: .v1),
        .init(name: "single dissenter with max_dissent 0: split view even on the pinned root",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4"),
              status: .splitView, leading: .v1),
        .init(name: "minority view of an attacker root does not move the pin even when approved",
              policy: DecideCase.policy { $0.maxDissent = 2 }, pin: .v1,
              views: seeing(.v1, "a1", "a2", "a3") + seeing(.v2Replaced, "a4", "a5"), approved: [.v2Replaced],
              status: .agreed, classification: .same, leading: .v1),
        .init(name: "two digests tied: split view with no leading root",
              policy: DecideCase.policy { $0.quorum = 2; $0.maxDissent = 5 }, pin: .v1,
              views: seeing(.v1, "a1", "a2") + seeing(.v2Replaced, "a3", "a4"), status: .splitView),
        .init(name: "three digests tied one each: split view",
              policy: DecideCase.policy { $0.quorum = 1; $0.minRegions = 1; $0.maxDissent = 5 },
              views: seeing(.v1, "a1") + seeing(.v2Replaced, "a2") + seeing(.v2Resigned, "a3"), status: .splitView),

        // Errors.
        .init(name: "error observations do not count as support",
              views: seeing(.v1, "a1", "a2") + seeing(nil, "a3", "a4"), status: .noConsensus, leading: .v1, failing: 2),
        .init(name: "error observations do not count as dissent",
              views: seeing(.v1, "a1", "a2", "a3") + seeing(nil, "a4"), status: .changing, pins: .v1,
              classification: .first, leading: .v1, failing: 1),
        .init(name: "only errors: no consensus, nothing leads",
              views: seeing(nil, "a1", "a2", "a3"), status: .noConsensus, failing: 3),
        .init(name: "stale error observations are not reported as failing",
              views: seeing(.v1, "a1", "a2", "a3") + seeing(nil, "a4", observed: -4000), status: .changing, pins: .v1,
              classification: .first, leading: .v1, failing: 0),

        // Temporal quorum: the quorum-th earliest `since` must be min_duration old.
        .init(name: "rotated: quorum held 599 of 600 s (3rd earliest since) → pending",
              pin: .v1,
              views: [ViewSpec(agent: "a1", root: .v2Rotated, since: -5000), ViewSpec(agent: "a2", root: .v2Rotated, since: -700),
                      ViewSpec(agent: "a3", root: .v2Rotated, since: -599), ViewSpec(agent: "a4", root: .v2Rotated, since: -10)],
              status: .pending, classification: .rotated, leading: .v2Rotated),
        .init(name: "rotated: quorum held exactly 600 s → pin follows",
              pin: .v1,
              views: [ViewSpec(agent: "a1", root: .v2Rotated, since: -5000), ViewSpec(agent: "a2", root: .v2Rotated, since: -700),
                      ViewSpec(agent: "a3", root: .v2Rotated, since: -600), ViewSpec(agent: "a4", root: .v2Rotated, since: -10)],
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),
        .init(name: "first: min_duration.first 120, held 119 s → pending",
              policy: DecideCase.policy { $0.minDuration.first = 120 },
              views: seeing(.v1, "a1", "a2", "a3", since: -119), status: .pending, classification: .first, leading: .v1),
        .init(name: "first: min_duration.first 120, held 120 s → pinned",
              policy: DecideCase.policy { $0.minDuration.first = 120 },
              views: seeing(.v1, "a1", "a2", "a3", since: -120), status: .changing, pins: .v1, classification: .first,
              leading: .v1),
        .init(name: "resigned: min_duration.resigned 60, held 59 s → pending",
              policy: DecideCase.policy { $0.minDuration.resigned = 60 }, pin: .v1,
              views: seeing(.v2Resigned, "a1", "a2", "a3", since: -59), status: .pending, classification: .resigned,
              leading: .v2Resigned),
        .init(name: "resigned: min_duration.resigned 60, held 60 s → pin follows",
              policy: DecideCase.policy { $0.minDuration.resigned = 60 }, pin: .v1,
              views: seeing(.v2Resigned, "a1", "a2", "a3", since: -60), status: .changing, pins: .v2Resigned,
              classification: .resigned, leading: .v2Resigned),
        .init(name: "replaced + approved: approval overrides min_duration.replaced",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3", since: -1), approved: [.v2Replaced],
              status: .changing, pins: .v2Replaced, classification: .replaced, leading: .v2Replaced),
        .init(name: "temporal quorum counts regions too: 2 eu agents long, us agent only 10 s → pending",
              policy: DecideCase.policy { $0.quorum = 2 }, pin: .v1,
              views: seeing(.v2Rotated, "a1", "a4", since: -5000) + seeing(.v2Rotated, "a2", since: -10),
              status: .pending, classification: .rotated, leading: .v2Rotated),
        .init(name: "temporal quorum counts regions too: second region held 600 s → pin follows",
              policy: DecideCase.policy { $0.quorum = 2 }, pin: .v1,
              views: seeing(.v2Rotated, "a1", "a4", since: -5000) + seeing(.v2Rotated, "a2", since: -600),
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),

        // Change classes.
        .init(name: "pinned root still agreed",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3"), status: .agreed, classification: .same, leading: .v1),
        .init(name: "resigned root: pin follows",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3"), status: .changing, pins: .v2Resigned,
              classification: .resigned, leading: .v2Resigned),
        .init(name: "rotated (chained) root: pin follows",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3"), status: .changing, pins: .v2Rotated,
              classification: .rotated, leading: .v2Rotated),
        .init(name: "rotated across a version gap, intermediate v2 present: pin follows",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v2Rotated, .v3Rotated],
              status: .changing, pins: .v3Rotated, classification: .rotated, leading: .v3Rotated),
        .init(name: "version gap without the intermediate: replaced, pending",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v3Rotated],
              status: .pending, classification: .replaced, leading: .v3Rotated),
        .init(name: "version gap bridged only by a bogus intermediate: replaced, pending",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v2Bogus, .v3Rotated],
              status: .pending, classification: .replaced, leading: .v3Rotated),
        .init(name: "version gap with a bogus and the genuine intermediate: rotated",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v2Bogus, .v2Rotated, .v3Rotated],
              status: .changing, pins: .v3Rotated, classification: .rotated, leading: .v3Rotated),
        .init(name: "version gap: a valid re-signed v2 that leads nowhere does not hide the rotated v2",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v2Resigned, .v2Bogus, .v2Rotated, .v3Rotated],
              status: .changing, pins: .v3Rotated, classification: .rotated, leading: .v3Rotated),
        .init(name: "version gap bridged only by a re-signed v2 (v3 not signed by its keys): replaced",
              pin: .v1, views: seeing(.v3Rotated, "a1", "a2", "a3"), roots: [.v1, .v2Resigned, .v3Rotated],
              status: .pending, classification: .replaced, leading: .v3Rotated),
        .init(name: "replaced (unchained), approve mode: pending until approved",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), status: .pending, classification: .replaced,
              leading: .v2Replaced),
        .init(name: "replaced (unchained), approve mode, approved: pinned",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), approved: [.v2Replaced], status: .changing,
              pins: .v2Replaced, classification: .replaced, leading: .v2Replaced),
        .init(name: "replaced, approval of a different digest does not help",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3"), approved: [.v2Resigned], status: .pending,
              classification: .replaced, leading: .v2Replaced),
        .init(name: "replaced, hold 7200 s: held 7199 s → pending",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) }, pin: .v1,
              views: seeing(.v2Replaced, "a1", "a2", "a3", since: -7199), status: .pending, classification: .replaced,
              leading: .v2Replaced),
        .init(name: "replaced, hold 7200 s, approved: held 7199 s → pending",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) }, pin: .v1,
              views: seeing(.v2Replaced, "a1", "a2", "a3", since: -7199), approved: [.v2Replaced], status: .pending,
              classification: .replaced, leading: .v2Replaced),
        .init(name: "replaced, hold 7200 s, approved: held 7200 s → pinned",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) }, pin: .v1,
              views: seeing(.v2Replaced, "a1", "a2", "a3", since: -7200), approved: [.v2Replaced], status: .changing,
              pins: .v2Replaced, classification: .replaced, leading: .v2Replaced),
        .init(name: "replaced, hold 7200 s without approvals: held a day → still pending (a hold alone never pins)",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) }, pin: .v1,
              views: seeing(.v2Replaced, "a1", "a2", "a3", since: -86_400), status: .pending, classification: .replaced,
              leading: .v2Replaced),
        .init(name: "replaced, hold 60 s is still bounded by min_duration.replaced 3600 s",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 60) }, pin: .v1,
              views: seeing(.v2Replaced, "a1", "a2", "a3", since: -61), status: .pending, classification: .replaced,
              leading: .v2Replaced),
        .init(name: "pre-approved digest not yet seen by a quorum: no consensus",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2") + seeing(nil, "a3"), approved: [.v2Replaced],
              status: .noConsensus, leading: .v2Replaced, failing: 1),
        .init(name: "pre-approved digest reaches quorum: pinned at once",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3", since: -5), approved: [.v2Replaced],
              status: .changing, pins: .v2Replaced, classification: .replaced, leading: .v2Replaced),
        .init(name: "rollback to an older root is replaced",
              pin: .v2Resigned, views: seeing(.v1, "a1", "a2", "a3"), status: .pending, classification: .replaced,
              leading: .v1),
        .init(name: "rollback in hold mode waits for the hold period like any replacement",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 7200) }, pin: .v2Rotated,
              views: seeing(.v1, "a1", "a2", "a3", since: -3600), status: .pending, classification: .replaced, leading: .v1),
        .init(name: "pinned root bytes missing: replaced (cannot prove a chain)",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3"), roots: [.v2Resigned], status: .pending,
              classification: .replaced, leading: .v2Resigned),
        .init(name: "leading root bytes missing: pending, invalid",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3"), roots: [.v1], status: .pending,
              classification: .invalid, leading: .v2Resigned),
        .init(name: "leading root bytes missing on first pin: pending, invalid",
              views: seeing(.v1, "a1", "a2", "a3"), roots: [], status: .pending, classification: .invalid, leading: .v1),
        .init(name: "leading root misses its own threshold: never pinned, even approved",
              pin: .v1, views: seeing(.v2UnderSigned, "a1", "a2", "a3"), approved: [.v2UnderSigned], status: .pending,
              classification: .invalid, leading: .v2UnderSigned),
        .init(name: "first root misses its own threshold: never pinned",
              policy: DecideCase.policy { $0.unchained = .hold(seconds: 1) },
              views: seeing(.v2UnderSigned, "a1", "a2", "a3"), status: .pending, classification: .invalid,
              leading: .v2UnderSigned),

        // Agents' verdicts (DESIGN.md trust property 3): clients count them, so the coordinator must too.
        .init(name: "rotated by classification, but the supporters attest unchained → pending until approved",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", continuity: .unchained), status: .pending,
              classification: .unchained, leading: .v2Rotated),
        .init(name: "rotated by classification, supporters attest unchained, approved → pin follows",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", continuity: .unchained), approved: [.v2Rotated],
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),
        .init(name: "resigned by classification, supporters attest unchained → pending",
              pin: .v1, views: seeing(.v2Resigned, "a1", "a2", "a3", continuity: .unchained), status: .pending,
              classification: .unchained, leading: .v2Resigned),
        .init(name: "first pin, supporters attest unchained → pending until approved",
              views: seeing(.v1, "a1", "a2", "a3", continuity: .unchained), status: .pending, classification: .unchained, leading: .v1),
        .init(name: "rotated, continuation quorum (rotated verdicts) → pin follows",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", continuity: .rotated), status: .changing, pins: .v2Rotated,
              classification: .rotated, leading: .v2Rotated),
        .init(name: "rotated, continuation quorum of mixed verdicts (same, resigned, first_sight) → pin follows",
              pin: .v1,
              views: [ViewSpec(agent: "a1", root: .v2Rotated, continuity: .same), ViewSpec(agent: "a2", root: .v2Rotated, continuity: .resigned),
                      ViewSpec(agent: "a3", root: .v2Rotated, continuity: .firstSight)],
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),
        .init(name: "rotated, quorum − 1 continuations + 1 unchained → pending",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", continuity: .rotated) + seeing(.v2Rotated, "a3", continuity: .unchained),
              status: .pending, classification: .unchained, leading: .v2Rotated),
        .init(name: "rotated, quorum of continuations plus 1 unchained supporter → pin follows",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", continuity: .rotated) + seeing(.v2Rotated, "a4", continuity: .unchained),
              status: .changing, pins: .v2Rotated, classification: .rotated, leading: .v2Rotated),
        .init(name: "rotated, continuations enough in number but from one region → pending",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a4", "a6", continuity: .rotated) + seeing(.v2Rotated, "a2", continuity: .unchained),
              status: .pending, classification: .unchained, leading: .v2Rotated),
        .init(name: "rotated, supporters' views carry no attestation → pending (no verdict is not a continuation)",
              pin: .v1, views: seeing(.v2Rotated, "a1", "a2", "a3", attested: false), status: .pending, classification: .unchained,
              leading: .v2Rotated),
        .init(name: "pinned root still agreed whatever the verdicts",
              pin: .v1, views: seeing(.v1, "a1", "a2", "a3", continuity: .unchained), status: .agreed, classification: .same,
              leading: .v1),
        .init(name: "replaced, supporters (wrongly) attest rotated: still pending without approval",
              pin: .v1, views: seeing(.v2Replaced, "a1", "a2", "a3", continuity: .rotated), status: .pending,
              classification: .replaced, leading: .v2Replaced),

        // Quorum lost.
        .init(name: "quorum lost: pinned root loses a supporter to errors → no consensus, pin kept",
              pin: .v1, views: seeing(.v1, "a1", "a2") + seeing(nil, "a3"), status: .noConsensus, leading: .v1, failing: 1),
        .init(name: "quorum lost: pinned root's supporters go stale → no consensus, pin kept",
              pin: .v1, views: seeing(.v1, "a1") + seeing(.v1, "a2", "a3", observed: -2000), status: .noConsensus,
              leading: .v1),

        // One agent, one vote.
        .init(name: "duplicate views of one agent count once",
              views: seeing(.v1, "a1", "a1", "a1", "a2"), status: .noConsensus, leading: .v1),
        .init(name: "duplicate views of one agent: only its latest observation counts",
              policy: DecideCase.policy { $0.quorum = 2 }, pin: .v1,
              views: seeing(.v2Replaced, "a1", observed: -100) + seeing(.v1, "a1", "a2", observed: -5), approved: [.v2Replaced],
              status: .agreed, classification: .same, leading: .v1),
    ]

    @Test("decide", arguments: cases)
    func decide(_ c: DecideCase) {
        let set = RootSet.shared
        let decision = c.decide(set)
        #expect(decision.status == c.status, "\(decision.reasons)")
        let expectedAction: ConsensusDecision.Action = c.pins.map { .pin(sha256: set.sha($0), classification: c.classification ?? .invalid) } ?? .keep
        #expect(decision.action == expectedAction, "\(decision.reasons)")
        #expect(decision.classification == c.classification, "\(decision.reasons)")
        #expect(decision.leading == c.leading.map(set.sha))
        #expect(decision.failing.count == c.failing)
        #expect(!decision.reasons.isEmpty || decision.status == .agreed)
        // The pin only ever moves with status `changing`.
        if case .pin = decision.action { #expect(decision.status == .changing) }
    }

    @Test("supporters and dissenters are reported, sorted by agent")
    func supportersAndDissenters() {
        let set = RootSet.shared
        let views = (seeing(.v2Resigned, "a3", "a1", "a2") + seeing(.v2Replaced, "a5", "a4")).map { $0.view() }
        let decision = ConsensusEvaluator(policy: DecideCase.policy { $0.maxDissent = 1 }).decide(
            views: views, pin: .init(sha256: set.sha(.v1)), roots: set.byDigest([.v1, .v2Resigned, .v2Replaced]), approved: [],
            now: Clock.now)
        #expect(decision.status == .splitView)
        #expect(decision.supporters.map(\.agent) == ["a1", "a2", "a3"])
        #expect(decision.dissenters.map(\.agent) == ["a4", "a5"])
        #expect(decision.dissenters.allSatisfy { $0.sha256 == set.sha(.v2Replaced) })
    }

    /// The evaluator picks intermediates out of a dictionary; whatever the iteration order, a genuine chain is found
    /// next to a same-version bogus root (before the fix the result depended on the per-process hash seed).
    @Test("intermediate choice does not depend on dictionary order")
    func intermediateChoiceIsDeterministic() {
        let set = RootSet.shared
        let evaluator = ConsensusEvaluator(policy: DecideCase.basePolicy)
        let views = seeing(.v3Rotated, "a1", "a2", "a3").map { $0.view() }
        let names: [RootSet.Name] = [.v1, .v2Bogus, .v2Rotated, .v3Rotated, .v2Replaced, .v2Resigned, .v2UnderSigned]
        for rotation in 0..<names.count {
            for capacity in [0, 16, 64, 256] {
                var roots: [String: Root] = [:]
                roots.reserveCapacity(capacity)
                for name in names[rotation...] + names[..<rotation] { roots[set.sha(name)] = set.root(name) }
                let decision = evaluator.decide(
                    views: views, pin: .init(sha256: set.sha(.v1)), roots: roots, approved: [], now: Clock.now)
                #expect(decision.classification == .rotated, "rotation \(rotation) capacity \(capacity): \(decision.reasons)")
            }
        }
    }

    @Test("the decision is a pure function of its inputs")
    func deterministic() {
        let set = RootSet.shared
        let views = (seeing(.v2Rotated, "a1", "a2", "a3", since: -601) + seeing(nil, "a4")).map { $0.view() }
        let evaluator = ConsensusEvaluator(policy: DecideCase.basePolicy)
        let decide = {
            evaluator.decide(views: views, pin: .init(sha256: set.sha(.v1)), roots: set.byDigest([.v1, .v2Rotated]), approved: [], now: Clock.now)
        }
        #expect(decide() == decide())
        // Same inputs, later `now`: still pinned; earlier `now` (held < 600 s relative to since): pending.
        let earlier = evaluator.decide(
            views: views, pin: .init(sha256: set.sha(.v1)), roots: set.byDigest([.v1, .v2Rotated]), approved: [], now: Clock.at(-2))
        #expect(earlier.status == .pending)
    }

    @Test("ConsensusPolicy.problem", arguments: [
        ("default policy", ConsensusPolicy(), nil),
        ("quorum 0", ConsensusPolicy(quorum: 0, minRegions: 0), "quorum must be at least 1"),
        ("min_regions 0", ConsensusPolicy(quorum: 2, minRegions: 0), "min_regions must be between 1 and quorum"),
        ("min_regions above quorum", ConsensusPolicy(quorum: 2, minRegions: 3), "min_regions must be between 1 and quorum"),
        ("max_age 0", ConsensusPolicy(maxAgeSeconds: 0), "max_age must be positive"),
        ("negative max_dissent", ConsensusPolicy(maxDissent: -1), "max_dissent must not be negative"),
        ("quorum 1 of 1 region", ConsensusPolicy(quorum: 1, minRegions: 1), nil),
    ] as [(String, ConsensusPolicy, String?)])
    func policyProblem(_ name: String, _ policy: ConsensusPolicy, _ expected: String?) {
        #expect(policy.problem == expected, "\(name)")
    }
}
