import GRDB
import VantageCore
import VantageTUF

/// Publishes the next pin list from what changed: pins a round made, pins whose attestations need refreshing,
/// pins of targets removed or re-pointed. The decision is ``PublicationPlanner``'s (pure): which pins change, which
/// are left out and why, and when each needs fresh attestations; the others are kept byte for byte, and the Merkle
/// tree re-hashes only the changed leaves' ancestors (``PublishedPinList/draft(_:)``). The read and the plan run on a
/// snapshot, outside the database writer; ``PinListStore/applyPublication(_:_:)`` writes the result in one
/// transaction. The header is re-signed every quarter of `max_age` and before half of the list's lifetime is gone.
struct PinListPublisher: Sendable {
    let database: CoordinatorDatabase
    let identity: SigningIdentity
    let policy: ConsensusPolicy
    let approvalRules: TrustPolicyBuilder.Approvals
    let lifetimeSeconds: Int64
    let batchLimit: Int
    let channels: [String]

    struct Outcome {
        var published: PublishedPinList?
        /// Pinned targets left out of the list: their stored fresh attestations do not verify as a quorum.
        var weakPins: [String] = []
        var events: [VantageEvent] = []
        /// Pins rebuilt.
        var rebuilt = 0
        /// More pins were due than one publication rebuilds.
        var more = false
    }

    func publish(current: PublishedPinList?, now: Timestamp) async throws -> Outcome {
        let read = try await storage("read pins to publish") {
            try await database.writer.read { db in try snapshot(db, current: current, now: now) }
        }
        var outcome = Outcome()
        outcome.more = read.due.count >= batchLimit
        let headerStale = read.head.map {
            $0.expires - now.seconds < lifetimeSeconds / 2 || now.seconds - $0.issuedAt >= max(1, policy.maxAgeSeconds / 4)
        } ?? true
        guard !read.due.isEmpty || headerStale else { return outcome }
        let planner = PublicationPlanner(policy: read.policy, consensus: policy)
        // Too few agents (or regions) enrolled for the policy, as on a first start: no list could verify, so none is
        // built (start-up says so once; not an error every round).
        guard !planner.waitsForAgents else { return outcome }
        let plan = try planner.plan(read.due, now: now)
        outcome.rebuilt = plan.rebuilt
        outcome.weakPins = plan.leftOut.map(\.target)
        let publication = PinListStore.Publication(
            plan: plan,
            published: plan.changes.isEmpty && !headerStale
                ? nil : try sign(plan.changes, current: current, head: read.head, policy: read.policy, now: now),
            channels: channels, now: now)
        outcome.events = try await storage("publish pin list") {
            try await database.writer.write { db in try PinListStore.applyPublication(db, publication) }
        }
        outcome.published = publication.published
        return outcome
    }

    /// The next list with `changes`, its header signed and checked as a client would check it first: signature,
    /// identity, times and the chain to the previous list.
    private func sign(
        _ changes: [String: Pin?], current: PublishedPinList?, head: PinListStore.Head?, policy trust: TrustPolicy, now: Timestamp
    ) throws -> PublishedPinList {
        let draft = try current.map { try $0.draft(changes) } ?? PublishedPinList.Draft.first(changes)
        let header = try SignedPinListHeader(
            signing: PinListHeader(
                version: (head?.version ?? 0) + 1, issuedAt: now, expires: now.adding(seconds: lifetimeSeconds),
                previous: head?.digest ?? "", merkleRoot: ByteEncoding.hexEncode(draft.tree.root), pinCount: draft.count,
                policy: policy, coordinator: identity.publicKey.keyID),
            with: identity)
        let state = head.map { [identity.publicKey.keyID: PinListVerifier.Accepted(version: $0.version, digest: $0.digest)] } ?? [:]
        if case .failure(let failure) = PinListVerifier(policy: trust).verifyHeader(header, state: state, now: now) {
            throw CoordinatorError(.pinListRejected, "built pin list v\(header.signed.version) fails verification: \(failure)")
        }
        return try PublishedPinList.make(draft, header: header)
    }

    private struct Snapshot {
        var head: PinListStore.Head?
        var policy: TrustPolicy
        var due: [PublicationPlanner.DuePin]
    }

    private func snapshot(_ db: Database, current: PublishedPinList?, now: Timestamp) throws -> Snapshot {
        let due = try PinListStore.refreshDue(db, now: now, limit: batchLimit)
        var pins: [String: PublicationPlanner.DuePin] = [:]
        var specs: [String: TargetSpec] = [:]
        for target in due where pins[target] == nil {
            pins[target] = .init(target: target, published: current?.pinBody(for: target))
        }
        if !due.isEmpty {
            specs = try RegistryStore.targets(db, ids: due, activeOnly: true)
            let sources = specs.compactMapValues(\.source)
            for (target, pin) in try ConsensusStore.latestPins(db, targets: due) {
                // A pin made for another source (the target was re-pointed) is never published for the new one.
                if let source = sources[target], source.storageKey == pin.source {
                    pins[target]?.source = source
                    pins[target]?.sha256 = pin.sha256
                }
            }
            for fresh in try PinListStore.attestations(db, targets: due, since: now.adding(seconds: -policy.maxAgeSeconds))
            where pins[fresh.target]?.sha256 == fresh.sha256 {
                pins[fresh.target]?.attestations.append(.init(attestation: fresh.attestation, region: fresh.region, keyID: fresh.keyID))
            }
            if !approvalRules.approvers.isEmpty {
                let stored = try RegistryStore.approvals(db, targets: due)
                for (target, pin) in pins {
                    guard let source = pin.source, let sha256 = pin.sha256, let approvals = stored[target]?[source.storageKey]?[sha256]
                    else { continue }
                    pins[target]?.approvals = ConsensusStore.verifiedApprovals(
                        approvals, target: target, source: source, sha256: sha256, rules: approvalRules, now: now).approvals
                }
            }
            for (key, value) in try ConsensusStore.alerts(db, keys: due.map { .init(.unsupported, $0) }) { pins[key.subject]?.unsupported = value }
        }
        // Pins are checked against their own target's source (the expectation), so the policy needs no target list but
        // the change policy of the `oci` and `file` targets due: a held change needs approvers' signatures at clients.
        var policy = try TrustPolicyBuilder.policy(
            db, identity: identity, consensus: policy, approvals: approvalRules, minPinListVersion: 0, targets: false)
        policy.targets = specs.values.filter { !$0.kind.isRoot }.sorted { $0.id < $1.id }.compactMap { spec in
            spec.source.map { TrustPolicy.Target(id: spec.id, source: $0, changes: spec.changePolicy) }
        }
        return Snapshot(head: try PinListStore.latestHead(db), policy: policy, due: due.compactMap { pins.removeValue(forKey: $0) })
    }
}
