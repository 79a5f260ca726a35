import GRDB
import VantageCore
import VantageTUF

/// Publishes the next pin list from what changed: pins a round made, pins whose attestations need refreshing,
/// pins of targets removed or re-pointed. Each rebuilt pin gets its agents' freshest stored attestations and is
/// verified against the coordinator's own trust policy before it is published; the others are kept byte for byte,
/// and the Merkle tree re-hashes only the changed leaves' ancestors (``PublishedPinList/draft(_:)``). The read and
/// the verification run on a snapshot, outside the database writer; the write is the header and the changed rows.
///
/// Clients count attestations at most `max_age` old at their own clock, so a pin is rebuilt when its oldest
/// attestation is half of `max_age` old (its `refresh_at`), which spreads the refresh of every pin over time; the
/// header is re-signed every quarter of `max_age` and before half of the list's lifetime is gone.
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

    /// What the snapshot holds of one target to (re)build.
    private struct Candidate {
        var spec: TargetSpec?
        var sha256: String?
        var attestations: [AttestationSelection.Candidate] = []
        var approvals: [Approval] = []
        var unsupported: String?
    }

    /// Whether `policy` has fewer agents than its quorum or fewer regions than `min_regions`.
    static func waitsForAgents(_ policy: TrustPolicy) -> Bool {
        policy.agents.count < policy.quorum || Set(policy.agents.map(\.region)).count < policy.minRegions
    }

    /// How long a left-out pin waits before it is tried again (new attestations may have arrived).
    var retrySeconds: Int64 { max(1, policy.maxAgeSeconds / 8) }

    func publish(current: PublishedPinList?, now: Timestamp) async throws -> Outcome {
        let read = try await storage("read pins to publish") {
            try await database.writer.read { db in try snapshot(db, now: now) }
        }
        var outcome = Outcome()
        outcome.more = read.targets.count >= batchLimit
        let headerStale = read.head.map {
            $0.expires - now.seconds < lifetimeSeconds / 2 || now.seconds - $0.issuedAt >= max(1, policy.maxAgeSeconds / 4)
        } ?? true
        guard !read.targets.isEmpty || headerStale else { return outcome }
        // Too few agents (or regions) enrolled for the policy, as on a first start: no list could verify, so none is
        // built (start-up says so once; not an error every round).
        guard !Self.waitsForAgents(read.policy) else { return outcome }

        let verifier = PinListVerifier(policy: read.policy)
        let planner = ConsensusPlanner(policy: policy)
        var changes: [String: Pin?] = [:]
        // Rows to store (a pin's JSON, or none: not in the list), and rows whose pin stays as it is.
        var rows: [String: (json: [UInt8]?, refreshAt: Int64)] = [:]
        var kept: [String: Int64] = [:]
        var alerts: [ConsensusPlanner.AlertKey: String] = [:]
        for (target, candidate) in read.targets {
            outcome.rebuilt += 1
            guard let spec = candidate.spec, let source = spec.source, let sha256 = candidate.sha256 else {
                // Removed, re-pointed or never pinned: not in the list, and not due again until something marks it.
                if current?.sha256(for: target) != nil { changes[target] = .some(nil) }
                rows[target] = (nil, Int64.max)
                continue
            }
            let pin = build(target: target, source: source, sha256: sha256, candidate: candidate, verifier: verifier, now: now)
            let health = planner.publicationHealth(target: target, supported: pin != nil, stored: candidate.unsupported, now: now)
            outcome.events += health.events
            if let condition = health.condition { alerts[.init(.unsupported, target)] = condition }
            guard let pin else {
                outcome.weakPins.append(target)
                if current?.sha256(for: target) != nil { changes[target] = .some(nil) }
                rows[target] = (nil, now.seconds + retrySeconds)
                continue
            }
            // Rebuilt from the same stored attestations: the same bytes, nothing to publish for it.
            if let existing = current?.pinBody(for: target), try Canonical.encode(pin) == existing {
                kept[target] = refreshAt(pin, now: now)
                continue
            }
            changes[target] = pin
            rows[target] = (nil, refreshAt(pin, now: now))
        }
        outcome.weakPins.sort()
        guard !changes.isEmpty || headerStale else {
            try await write(rows: rows, kept: kept, alerts: alerts, events: outcome.events, published: nil, now: now, into: &outcome)
            return outcome
        }
        let draft = try current.map { try $0.draft(changes) } ?? PublishedPinList.Draft.first(changes)
        let header = try SignedPinListHeader(
            signing: PinListHeader(
                version: (read.head?.version ?? 0) + 1, issuedAt: now, expires: now.adding(seconds: lifetimeSeconds),
                previous: read.head?.digest ?? "", merkleRoot: ByteEncoding.hexEncode(draft.tree.root), pinCount: draft.count,
                policy: policy, coordinator: identity.publicKey.keyID),
            with: identity)
        // The header a client would check first: signature, identity, times and the chain to the previous list.
        let state = read.head.map { [identity.publicKey.keyID: PinListVerifier.Accepted(version: $0.version, digest: $0.digest)] } ?? [:]
        if case .failure(let failure) = verifier.verifyHeader(header, state: state, now: now) {
            throw CoordinatorError(.pinListRejected, "built pin list v\(header.signed.version) fails verification: \(failure)")
        }
        let published = try PublishedPinList.make(draft, header: header)
        for (target, change) in changes {
            if change != nil, let json = published.pinBody(for: target) { rows[target]?.json = json }
        }
        try await write(rows: rows, kept: kept, alerts: alerts, events: outcome.events, published: published, now: now, into: &outcome)
        return outcome
    }

    /// When `pin` needs fresh attestations: its oldest is half of `max_age` old.
    private func refreshAt(_ pin: Pin, now: Timestamp) -> Int64 {
        let oldest = pin.attestations.map(\.observedAt.seconds).min() ?? now.seconds
        return max(now.seconds + retrySeconds, oldest + policy.maxAgeSeconds / 2)
    }

    private func write(
        rows: [String: (json: [UInt8]?, refreshAt: Int64)], kept: [String: Int64], alerts: [ConsensusPlanner.AlertKey: String],
        events: [VantageEvent], published: PublishedPinList?, now: Timestamp, into outcome: inout Outcome
    ) async throws {
        let channels = channels
        outcome.events = try await storage("publish pin list") {
            try await database.writer.write { db in
                if let published { try PinListStore.insert(db, published) }
                try PinListStore.save(db, rows)
                try PinListStore.reschedule(db, kept)
                try ConsensusStore.saveAlerts(db, alerts)
                return try EventStore.insert(db, events, channels: channels, nowMillis: now.seconds * 1000)
            }
        }
        outcome.published = published
    }

    /// The pin clients would accept for `target`, or `nil` when its stored fresh attestations (and approvals) do not
    /// verify as a quorum under the coordinator's own trust policy.
    private func build(
        target: String, source: RepositorySource, sha256: String, candidate: Candidate, verifier: PinListVerifier, now: Timestamp
    ) -> Pin? {
        // Region-aware and bounded: each supporting agent's best attestation, chosen so quorum and min_regions hold
        // whenever the stored fresh attestations allow it. An attestation stays usable for max_age even when its agent
        // now sees another root: the pin does not move without a quorum (or approvers), and clients bound the window
        // at their own clock.
        guard let supporting = AttestationSelection.select(
            candidate.attestations, quorum: policy.quorum, minRegions: policy.minRegions, bound: 2 * policy.quorum)
        else { return nil }
        var pin = Pin(target: target, source: source, sha256: sha256, attestations: supporting)
        let expected = PinListVerifier.Expectation(target: target, source: source)
        if verifier.verifyPin(pin, expected: expected, issuedAt: now, now: now) == nil { return pin }
        // Agents alone do not carry it (an unchained replacement): approvers' signatures may. Never publish a pin that
        // clients would refuse: report it instead.
        guard !candidate.approvals.isEmpty else { return nil }
        pin.approvals = candidate.approvals
        return verifier.verifyPin(pin, expected: expected, issuedAt: now, now: now) == nil ? pin : nil
    }

    private struct Snapshot {
        var head: PinListStore.Head?
        var policy: TrustPolicy
        var targets: [String: Candidate]
    }

    private func snapshot(_ db: Database, now: Timestamp) throws -> Snapshot {
        let due = try PinListStore.refreshDue(db, now: now, limit: batchLimit)
        var targets: [String: Candidate] = Dictionary(due.map { ($0, Candidate()) }, uniquingKeysWith: { a, _ in a })
        if !due.isEmpty {
            for (id, spec) in try RegistryStore.targets(db, ids: due, activeOnly: true) { targets[id]?.spec = spec }
            for (target, pin) in try ConsensusStore.latestPins(db, targets: due) {
                // A pin made for another source (the target was re-pointed) is never published for the new one.
                if let spec = targets[target]?.spec, spec.source?.storageKey == pin.source { targets[target]?.sha256 = pin.sha256 }
            }
            for fresh in try PinListStore.attestations(db, targets: due, since: now.adding(seconds: -policy.maxAgeSeconds))
            where targets[fresh.target]?.sha256 == fresh.sha256 {
                targets[fresh.target]?.attestations.append(.init(attestation: fresh.attestation, region: fresh.region))
            }
            if !approvalRules.approvers.isEmpty {
                let stored = try RegistryStore.approvals(db, targets: due)
                for (target, candidate) in targets {
                    guard let source = candidate.spec?.source, let sha256 = candidate.sha256,
                        let approvals = stored[target]?[source.storageKey]?[sha256]
                    else { continue }
                    let check = ApprovalVerifier.valid(
                        approvals, target: target, source: source, sha256: sha256, approvers: approvalRules.approvers,
                        notAfter: now.adding(seconds: 300))
                    targets[target]?.approvals = approvals.filter { check.approvers.contains($0.approver) }
                }
            }
            for (key, value) in try ConsensusStore.alerts(db, keys: due.map { .init(.unsupported, $0) }) { targets[key.subject]?.unsupported = value }
        }
        // Pins are checked against their own target's source (the expectation), so the policy needs no target list.
        let policy = try TrustPolicyBuilder.policy(
            db, identity: identity, consensus: policy, approvals: approvalRules, minPinListVersion: 0, targets: false)
        return Snapshot(head: try PinListStore.latestHead(db), policy: policy, targets: targets)
    }
}
