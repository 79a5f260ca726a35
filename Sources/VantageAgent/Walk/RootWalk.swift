import VantageCore
import VantageTUF

/// The pure decisions of a root update (TUF specification §5.3; Notary's `updateRootVersions`), as a state
/// machine: it says what to fetch next and what each fetched document means. No I/O, no clock.
///
/// - `tuf`: from trusted root N fetch `N+1.root.json`, `N+2…` until absent (404/403), each step verified with
///   ``VantageTUF/RootChainVerifier/step(from:to:)``. Without a trusted root, `1.root.json` is the start and must
///   meet its own threshold.
/// - `notary`: fetch `root.json` (the current root C). Without a trusted root, C must meet its own threshold.
///   C older than the trusted root is a rollback; the same version with other content is rejected; a newer C is
///   reached through `N+1.root.json … (C-1).root.json` and finally C itself, each step verified.
///
/// Every verified root is handed out in ``Decision/trusted`` before the walk continues, so a caller can persist
/// it and a later rejected step leaves the last good root in place. At most `maxSteps` steps are walked.
public struct RootWalk: Sendable {
    /// What the caller does next.
    public enum Next: Sendable {
        case fetch(RootRequest)
        /// The walk ended at this root (check its expiry).
        case finish(Root)
        /// The server's answer is rejected; the last trusted root stays.
        case fail(ObservationError)
    }

    /// The result of feeding one fetch into the walk.
    public struct Decision: Sendable {
        /// Roots that have just been verified (as the start, or by steps), oldest first; persist them before
        /// continuing.
        public var trusted: [Root]
        public var next: Next

        init(trusted: [Root] = [], next: Next) {
            self.trusted = trusted
            self.next = next
        }

        init(trusted root: Root, next: Next) {
            self.init(trusted: [root], next: next)
        }
    }

    /// `notary` walks from the server's current root; any other kind walks versioned roots (TUF). Only root kinds
    /// walk: `oci` and `file` targets are probed by ``ContentProber``.
    public let kind: TargetSpec.Kind
    public let maxSteps: Int
    /// The newest verified root.
    public private(set) var trusted: Root?
    /// The self-signature check of ``trusted`` when this walk computed it (start or accepted step), so callers
    /// need not verify the same signatures again; `nil` for a root handed in at ``init(kind:trusted:maxSteps:)``.
    public private(set) var trustedSelfCheck: ThresholdResult?
    /// Rotation steps verified so far.
    public private(set) var steps: [ChainStepResult] = []
    /// Notary: the current root, while walking towards it.
    var current: Root?
    /// The root the server offers that did not verify (rollback, equivocation, unchained replacement): agents
    /// still report what they were served, so the coordinator sees split views and replacements.
    public private(set) var offered: Root?

    public init(kind: TargetSpec.Kind, trusted: Root?, maxSteps: Int = 256) {
        self.kind = kind
        self.trusted = trusted
        self.maxSteps = maxSteps
    }

    /// The first fetch.
    public func start() -> RootRequest {
        kind == .notary ? .current : .version((trusted?.version ?? 0) + 1)
    }

    /// Feeds the answer to `request` into the walk.
    public mutating func receive(_ request: RootRequest, _ result: RootFetchResult) -> Decision {
        let bytes: [UInt8]
        switch result {
        case .absent(let status):
            return absent(request, status: status)
        case .document(let document):
            bytes = document
        }
        let root: Root
        do {
            root = try Root.parse(bytes)
        } catch {
            // Parse errors can quote the served document: clipped, so a server cannot use agents as a relay.
            return Decision(next: .fail(ObservationError(.malformed, ServerText.clip("\(request): \(error)", limit: 200))))
        }
        guard let trusted else { return start(with: root, request: request) }
        switch (kind, request) {
        case (.notary, .current):
            return receiveCurrent(root, trusted: trusted)
        default:
            return verifyStep(from: trusted, to: root, request: request)
        }
    }

    func absent(_ request: RootRequest, status: Int) -> Decision {
        if kind == .tuf, let trusted, request == .version(trusted.version + 1) {
            return Decision(next: .finish(trusted))
        }
        var message = "\(request) not found (HTTP \(status))"
        if let current { message += "; the server's current root is v\(current.version)" }
        return Decision(next: .fail(ObservationError(.httpStatus, message, status: status)))
    }

    /// No trusted root yet: the first document must meet its own threshold (and be v1 for TUF).
    mutating func start(with root: Root, request: RootRequest) -> Decision {
        if kind == .tuf, root.version != 1 {
            return Decision(next: .fail(ObservationError(.chainRejected, "\(request) has version \(root.version)")))
        }
        let own = RootVerifier.selfCheck(root)
        guard own.isMet else {
            return Decision(next: .fail(ObservationError(.badSignature,
                "\(request) v\(root.version) is signed by \(own.count) of its root keys, threshold \(own.threshold)")))
        }
        trusted = root
        trustedSelfCheck = own
        return kind == .notary ? Decision(trusted: root, next: .finish(root)) : Decision(trusted: root, next: .fetch(.version(root.version + 1)))
    }

    mutating func receiveCurrent(_ root: Root, trusted: Root) -> Decision {
        if root.version < trusted.version {
            offered = root
            return Decision(next: .fail(ObservationError(.chainRejected,
                "rollback: the server's root is v\(root.version), the last verified root is v\(trusted.version)")))
        }
        if root.version == trusted.version {
            guard root.canonicalSHA256 == trusted.canonicalSHA256 else {
                offered = root
                return Decision(next: .fail(ObservationError(.chainRejected,
                    "the server's root v\(root.version) differs from the verified root with the same version")))
            }
            return Decision(next: .finish(root))
        }
        current = root
        return advance()
    }

    /// Notary: the next step towards the current root.
    mutating func advance() -> Decision {
        guard let current, let trusted else { return Decision(next: .fail(.init(.internalError, "walk state lost"))) }
        if steps.count >= maxSteps { return Decision(next: .finish(trusted)) }
        if trusted.version + 1 == current.version { return verifyStep(from: trusted, to: current, request: .current) }
        return Decision(next: .fetch(.version(trusted.version + 1)))
    }

    mutating func verifyStep(from trusted: Root, to root: Root, request: RootRequest) -> Decision {
        let step = RootChainVerifier.step(from: trusted, to: root)
        steps.append(step)
        guard step.isAccepted else {
            offered = kind == .notary ? (current ?? root) : root
            return Decision(next: .fail(ObservationError(.chainRejected,
                "\(request): v\(trusted.version) → v\(root.version): \(step.reasons.joined(separator: "; "))")))
        }
        self.trusted = root
        trustedSelfCheck = step.own
        guard kind == .notary else {
            let next: Next = steps.count >= maxSteps ? .finish(root) : .fetch(.version(root.version + 1))
            return Decision(trusted: root, next: next)
        }
        if request == .current || root.version == current?.version {
            return Decision(trusted: root, next: .finish(root))
        }
        let rest = advance()
        return Decision(trusted: [root] + rest.trusted, next: rest.next)
    }
}
