import VantageTUF

/// The pure consensus planner: a ``TargetSnapshot`` and an explicit `now` in, a ``TargetPlan`` out — the decision
/// (``ConsensusEvaluator``), the pin it makes, the events of the transition, expiry conditions, and the instant the
/// target next needs deciding without new input. The coordinator decides only targets whose views changed
/// (ingest marks them) or whose ``TargetPlan/due`` has come, so a round with nothing to do reads nothing.
public struct ConsensusPlanner: Sendable {
    public var policy: ConsensusPolicy

    public init(policy: ConsensusPolicy) { self.policy = policy }

    /// A stored alert condition of a target, or of an agent (`silent`).
    public struct AlertKey: Sendable, Hashable, CustomStringConvertible {
        /// `consensus`: the ``ConsensusAlert`` held open; `unobservable`: every fresh observation is an error;
        /// `source`: re-pointed at another source and not pinned there yet.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case expiry, certificate, silent, unsupported, consensus, unobservable, source
        }
        public var kind: Kind
        /// The target, or the agent for `silent`.
        public var subject: String

        public init(_ kind: Kind, _ subject: String) {
            self.kind = kind
            self.subject = subject
        }

        /// The stored key: `kind:subject`.
        public var description: String { "\(kind.rawValue):\(subject)" }

        public init?(stored: String) {
            guard let colon = stored.firstIndex(of: ":"), let kind = Kind(rawValue: String(stored[..<colon])) else { return nil }
            self.init(kind, String(stored[stored.index(after: colon)...]))
        }

        /// The alert (`details.alert`) the stored condition `value` (an ``AlertValue``) holds open; `nil` when it
        /// holds none (`ok`).
        public func alert(_ value: String) -> String? {
            switch (kind, AlertValue(rawValue: value)) {
            case (.consensus, .consensus(let alert)): alert.key(target: subject)
            case (.expiry, .expiring), (.expiry, .expired): AlertCondition.rootExpiry.key(subject)
            case (.certificate, .expiring), (.certificate, .expired): AlertCondition.certificateExpiry.key(subject)
            case (.silent, .silent): AlertCondition.agentSilent.key(subject)
            case (.unsupported, .unsupported): AlertCondition.pinUnsupported.key(subject)
            case (.unobservable, .unobservable): AlertCondition.unobservable.key(subject)
            case (.source, .changed): AlertCondition.sourceChanged.key(subject)
            default: nil
            }
        }

        /// The keys a target's conditions are stored under.
        public static func ofTarget(_ target: String) -> [AlertKey] {
            Kind.allCases.filter { $0 != .silent }.map { AlertKey($0, target) }
        }
    }

    public func plan(_ snapshot: TargetSnapshot, now: Timestamp) -> TargetPlan {
        let evaluator = ConsensusEvaluator(policy: policy)
        let approved = Set(snapshot.approved.keys)
        let classifier = Classifier(evaluator: evaluator, roots: snapshot.roots, content: snapshot.content)
        let changes = snapshot.content?.changes
        var pin = snapshot.pin
        var decision = evaluator.decide(
            views: snapshot.views, pin: pin, approved: approved, now: now, changes: changes, classify: classifier.against(pin))
        let consensusKey = AlertKey(.consensus, snapshot.target)
        let wasOpen = snapshot.alerts[consensusKey].flatMap(ConsensusAlert.init(stored:))
        var (events, open) = ConsensusEvents.events(
            target: snapshot.target, open: wasOpen, decision: decision, pinned: pin?.sha256, now: now, content: snapshot.content != nil)
        var newPin: TargetPlan.NewPin?
        if case .pin(let digest, let classification) = decision.action,
            let version = snapshot.roots[digest]?.version ?? (snapshot.content?.stored.contains(digest) == true ? 0 : nil)
        {
            newPin = .init(
                sha256: digest, seq: snapshot.nextSeq, version: version, classification: classification,
                approvedBy: snapshot.approved[digest]?.sorted())
            pin = .init(sha256: digest)
            decision = evaluator.decide(
                views: snapshot.views, pin: pin, approved: approved, now: now, changes: changes, classify: classifier.against(pin))
            let after = ConsensusEvents.events(
                target: snapshot.target, open: open, decision: decision, pinned: digest, now: now, content: snapshot.content != nil)
            events += after.events
            open = after.open
        }
        let state = TargetState(
            status: snapshot.views.isEmpty && pin == nil ? nil : decision.status, leading: decision.leading,
            classification: decision.classification, reasons: decision.reasons)
        var alerts: [AlertKey: String] = [:]
        if open != wasOpen { alerts[consensusKey] = (open.map(AlertValue.consensus) ?? .ok).rawValue }
        let unobservableKey = AlertKey(.unobservable, snapshot.target)
        let wasUnobservable = snapshot.alerts[unobservableKey] == AlertValue.unobservable.rawValue
        let observability = ConsensusEvents.observability(target: snapshot.target, open: wasUnobservable, decision: decision, now: now)
        events += observability.events
        if observability.open != wasUnobservable { alerts[unobservableKey] = (observability.open ? AlertValue.unobservable : .ok).rawValue }
        // A re-pointed target's `source_changed` (raised when the source changed) stays open until the new source is pinned.
        let sourceKey = AlertKey(.source, snapshot.target)
        if pin != nil, let value = snapshot.alerts[sourceKey], let alert = sourceKey.alert(value) {
            alerts[sourceKey] = AlertValue.ok.rawValue
            events.append(VantageEvent.resolution(
                of: alert, target: snapshot.target, subject: snapshot.target, "\(snapshot.target) is pinned from its new source", now: now))
        }
        var due: [Timestamp] = decision.waitsUntil.map { [$0] } ?? []
        let pinnedRoot = pin.flatMap { snapshot.roots[$0.sha256] }
        events += expiryEvents(target: snapshot.target, root: pinnedRoot, stored: snapshot.alerts, changed: &alerts, due: &due, now: now)
        let definite = due.filter { $0 > now }.min()
        let next = windowChange(
            snapshot.views, before: definite, pin: pin, approved: approved, decision: decision, now: now,
            evaluator: evaluator, changes: changes, classify: classifier.against(pin))
        // A content move in progress is decided again next round: growing spans change no stored outcome (no mark).
        let recheck = decision.unsettledInTime ? [now.adding(seconds: 1)] : []
        return TargetPlan(
            target: snapshot.target, pin: newPin, state: state, events: events, alerts: alerts,
            due: ([next ?? definite].compactMap { $0 } + recheck).min(),
            pinnedExpires: pinnedRoot.map { Timestamp($0.expires) })
    }

    /// The first instant before `horizon` at which a view leaves (or, dated ahead, enters) the fresh window and
    /// deciding again gives another decision. Between such instants the counted views are the same, so the decision
    /// is too (its own time condition is ``ConsensusDecision/waitsUntil``).
    func windowChange(
        _ views: [AgentView], before horizon: Timestamp?, pin: ConsensusEvaluator.CurrentPin?, approved: Set<String>,
        decision: ConsensusDecision, now: Timestamp, evaluator: ConsensusEvaluator, changes: ChangePolicy?,
        classify: (String) -> ConsensusEvaluator.Classified
    ) -> Timestamp? {
        var instants = Set<Timestamp>()
        for view in views {
            // Counted while observedAt ∈ [now − max_age, now + skew] (ConsensusEvaluator).
            let leaves = view.observedAt.adding(seconds: policy.maxAgeSeconds + 1)
            let enters = view.observedAt.adding(seconds: -ConsensusPolicy.skewSeconds)
            if leaves > now { instants.insert(leaves) }
            if enters > now { instants.insert(enters) }
        }
        for instant in instants.sorted() {
            if let horizon, instant >= horizon { return nil }
            let later = evaluator.decide(views: views, pin: pin, approved: approved, now: instant, changes: changes, classify: classify)
            if !later.sameOutcome(as: decision) { return instant }
        }
        return nil
    }

    /// Root and key-certificate expiry of the pinned root: an event when a condition first appears for that digest
    /// (`root_expiring`, then `root_expired` under the same alert), its resolution when the pin moves to a root without
    /// it (or no root is pinned), and the instants at which the next condition begins.
    func expiryEvents(
        target: String, root: Root?, stored: [AlertKey: String], changed: inout [AlertKey: String], due: inout [Timestamp],
        now: Timestamp
    ) -> [VantageEvent] {
        let warning = Int64(policy.expiryWarningDays) * 86_400
        func condition(_ at: Timestamp, _ digest: String) -> AlertValue {
            due += [at.adding(seconds: -warning), at]
            return at <= now ? .expired(sha256: digest) : at <= now.adding(seconds: warning) ? .expiring(sha256: digest) : .ok
        }
        var events: [VantageEvent] = []
        let details = root.map { ["sha256": $0.sha256, "version": String($0.version)] } ?? [:]
        let pinnedNow = root.map { "now pinned \($0.sha256.prefix(16)) v\($0.version), expiring \($0.expiresText)" } ?? "no root is pinned"
        func transition(_ key: AlertKey, to condition: AlertValue, open: (Root) -> VantageEvent) {
            let before = stored[key] ?? AlertValue.ok.rawValue
            let value = condition.rawValue
            guard before != value else { return }
            changed[key] = value
            if let root, let alert = key.alert(value) {
                events.append(open(root).opening(alert))
            } else if let alert = key.alert(before) {
                let what = key.kind == .expiry ? "pinned root expiry" : "root key certificate expiry"
                events.append(VantageEvent.resolution(of: alert, target: target, subject: target, "\(what) of \(target) resolved: \(pinnedNow)", details: details, now: now))
            }
        }
        let rootCondition = root.map { condition(Timestamp($0.expires), $0.sha256) } ?? .ok
        transition(AlertKey(.expiry, target), to: rootCondition) { root in
            rootCondition.isExpired
                ? event(.rootExpired, .critical, target: target, "pinned root expired at \(root.expiresText)", details, now: now)
                : event(.rootExpiring, .warning, target: target, "pinned root expires at \(root.expiresText)", details, now: now)
        }
        let notAfter = root.flatMap { root in root.rootRole.keyIDs.compactMap { root.keys[$0]?.certificate?.notAfter }.min().map(Timestamp.init) }
        let certificateCondition = root.flatMap { root in notAfter.map { condition($0, root.sha256) } } ?? .ok
        transition(AlertKey(.certificate, target), to: certificateCondition) { _ in
            let expired = certificateCondition.isExpired
            return event(
                .certificateExpiring, expired ? .critical : .warning, target: target,
                "a root key certificate \(expired ? "expired" : "expires") at \(notAfter.map(String.init(describing:)) ?? "-")", details, now: now)
        }
        return events
    }

    /// Agents whose last observation is older than `max_age`: `agent_silent` once when an agent falls silent, and
    /// `recovered` when it reports again or is no longer enrolled (`lastSeen` holds the enrolled agents that ever
    /// reported). Over every enrolled agent (a short list), each round.
    public func agentHealth(
        lastSeen: [String: Timestamp], stored: [AlertKey: String], now: Timestamp
    ) -> (events: [VantageEvent], alerts: [AlertKey: String]) {
        var events: [VantageEvent] = []
        var changed: [AlertKey: String] = [:]
        for (agent, seen) in lastSeen.sorted(by: { $0.key < $1.key }) {
            let silent = seen < now.adding(seconds: -policy.maxAgeSeconds)
            let condition = (silent ? AlertValue.silent : .ok).rawValue
            let key = AlertKey(.silent, agent)
            guard stored[key, default: AlertValue.ok.rawValue] != condition else { continue }
            changed[key] = condition
            let details = ["agent": agent, "last_seen": seen.description]
            let alert = AlertCondition.agentSilent.key(agent)
            events.append(
                silent
                    ? event(.agentSilent, .warning, target: nil, "agent \(agent) has not reported since \(seen)", details, subject: "agent:\(agent)", now: now).opening(alert)
                    : event(.recovered, .info, target: nil, "agent \(agent) reports again", details, subject: "agent:\(agent)", now: now).resolving(alert))
        }
        for (key, value) in stored.sorted(by: { $0.key.subject < $1.key.subject })
        where key.kind == .silent && lastSeen[key.subject] == nil {
            guard let alert = key.alert(value) else { continue }
            changed[key] = AlertValue.ok.rawValue
            events.append(VantageEvent.resolution(
                of: alert, target: nil, subject: "agent:\(key.subject)", "agent \(key.subject) is no longer enrolled",
                details: ["agent": key.subject], now: now))
        }
        return (events, changed)
    }

    /// A removed target's open alerts, each resolved once: nothing watches it any more.
    public func removal(target: String, stored: [AlertKey: String], now: Timestamp) -> (events: [VantageEvent], alerts: [AlertKey: String]) {
        var events: [VantageEvent] = []
        var changed: [AlertKey: String] = [:]
        for key in AlertKey.ofTarget(target) {
            guard let value = stored[key], let alert = key.alert(value) else { continue }
            changed[key] = AlertValue.ok.rawValue
            events.append(VantageEvent.resolution(of: alert, target: target, subject: target, "target \(target) removed: no longer watched", now: now))
        }
        return (events, changed)
    }

    /// `pin_unsupported` when a pinned target first cannot be published with a verifiable quorum, `recovered` when
    /// it can again.
    public func publicationHealth(
        target: String, supported: Bool, stored: String?, now: Timestamp
    ) -> (events: [VantageEvent], condition: String?) {
        let condition = (supported ? AlertValue.ok : .unsupported).rawValue
        guard (stored ?? AlertValue.ok.rawValue) != condition else { return ([], nil) }
        let alert = AlertCondition.pinUnsupported.key(target)
        let event = supported
            ? event(.recovered, .info, target: target, "pin of \(target) is published again", [:], now: now).resolving(alert)
            : event(.pinUnsupported, .critical, target: target,
                "pin of \(target) left out of the pin list: its stored fresh attestations do not meet quorum \(policy.quorum) from \(policy.minRegions) regions (or it lacks approvals)",
                [:], now: now).opening(alert)
        return ([event], condition)
    }

    func event(
        _ kind: VantageEvent.Kind, _ severity: VantageEvent.Severity, target: String?, _ message: String,
        _ details: [String: String], subject: String? = nil, now: Timestamp
    ) -> VantageEvent {
        VantageEvent(
            id: ConsensusEvents.eventID(target: subject ?? target ?? "", kind: kind, now: now, digest: details["sha256"] ?? ""),
            kind: kind, severity: severity, target: target, at: now, message: message, details: details)
    }
}

/// Classifications of a target's digests, made once per plan: they do not depend on the instant and may verify
/// signatures (a rotation chain), while the planner decides several instants.
private final class Classifier {
    let evaluator: ConsensusEvaluator
    let roots: [String: Root]
    let content: TargetSnapshot.Content?
    var memo: [String: [String: ConsensusEvaluator.Classified]] = [:]

    init(evaluator: ConsensusEvaluator, roots: [String: Root], content: TargetSnapshot.Content?) {
        self.evaluator = evaluator
        self.roots = roots
        self.content = content
    }

    func against(_ pin: ConsensusEvaluator.CurrentPin?) -> (String) -> ConsensusEvaluator.Classified {
        { [self] digest in
            let key = pin?.sha256 ?? ""
            if let known = memo[key]?[digest] { return known }
            let classified = content.map { evaluator.classify(digest, pin: pin, stored: $0.stored, changes: $0.changes) }
                ?? evaluator.classify(digest, pin: pin, roots: roots)
            memo[key, default: [:]][digest] = classified
            return classified
        }
    }
}

extension ConsensusDecision {
    /// Whether `other` stores and announces the same thing: status, action, leading digest, classification,
    /// reasons and time condition (supporter lists differ as views age, and are not stored).
    func sameOutcome(as other: ConsensusDecision) -> Bool {
        status == other.status && action == other.action && leading == other.leading && classification == other.classification
            && reasons == other.reasons && waitsUntil == other.waitsUntil && unobservable == other.unobservable
    }
}
