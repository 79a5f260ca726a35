import VantageTUF

/// What ``PinListVerifier`` takes and gives: saved state, what a pin must match, and refusals with their rule.
extension PinListVerifier {
    /// What this machine accepted last from one coordinator (version, header digest, issue time).
    public struct Accepted: Sendable, Hashable, Codable {
        public var version: Int64
        public var digest: String
        /// When the accepted list was issued: a later list may not claim an earlier time (which would let a
        /// coordinator key re-use attestations that were fresh only for the older list).
        public var issuedAt: Timestamp?

        public init(version: Int64, digest: String, issuedAt: Timestamp? = nil) {
            self.version = version
            self.digest = digest
            self.issuedAt = issuedAt
        }

        enum CodingKeys: String, CodingKey {
            case version, digest
            case issuedAt = "issued_at"
        }
    }

    /// What the client will use a pin for: the target it asked for and what it knows of the source its own TUF
    /// client fetches from (each given field must match the attested source). A policy entry for the target, when
    /// present, must match in full too.
    public struct Expectation: Sendable, Hashable {
        public var target: String
        public var kind: TargetSpec.Kind?
        /// Normalised (``RepositorySource/normalise(_:)``) server or metadata URL.
        public var url: String?
        public var gun: String?
        /// `oci`: the repository and tag the client pulls (a digest attested for another tag is never used).
        public var repository: String?
        public var tag: String?

        public init(
            target: String, kind: TargetSpec.Kind? = nil, url: String? = nil, gun: String? = nil, repository: String? = nil, tag: String? = nil
        ) {
            self.target = target
            self.kind = kind
            self.url = url
            self.gun = gun
            self.repository = repository
            self.tag = tag
        }

        /// The whole of `source`: every field must match, including an image's repository and tag.
        public init(target: String, source: RepositorySource) {
            self.init(target: target, kind: source.kind, url: source.url, gun: source.gun, repository: source.repository, tag: source.tag)
        }

        /// Whether any part of the source is stated.
        public var namesSource: Bool { kind != nil || url != nil || gun != nil || repository != nil || tag != nil }

        func mismatch(_ source: RepositorySource) -> String? {
            if let kind, kind != source.kind { return "kind \(kind.rawValue)" }
            if let url, url != source.url { return "url \(url)" }
            if let gun, gun != source.gun { return "gun \(gun)" }
            if let repository, repository != source.repository { return "repository \(repository)" }
            if let tag, tag != source.tag { return "tag \(tag)" }
            return nil
        }
    }

    /// The stable rule names of refusals (documented in the README; scripts match on them).
    public enum Rule {
        public static let trustPolicy = "trust_policy"
        public static let coordinatorSignature = "coordinator_signature"
        public static let coordinatorIdentity = "coordinator_identity"
        public static let schema = "schema"
        public static let expired = "expired"
        public static let issuedInFuture = "issued_in_future"
        public static let listTooOld = "list_too_old"
        public static let rollback = "rollback"
        public static let equivocation = "equivocation"
        public static let chain = "chain"
        public static let merkleRoot = "merkle_root"
        public static let pinOrder = "pin_order"
        public static let inclusionProof = "inclusion_proof"
        public static let proofTarget = "proof_target"
        public static let noPin = "no_pin"
        public static let sourceMismatch = "source_mismatch"
        /// Two verified pins for one image tag (two targets watching it) name two digests: none is used.
        public static let conflictingPins = "conflicting_pins"
        public static let quorum = "quorum"
        public static let unapprovedReplacement = "unapproved_replacement"
        /// An attestation refused inside a `quorum` failure: signer not in the policy, signature, age, date ahead.
        public static let unknownAgent = "unknown_agent"
        public static let attestationSignature = "attestation_signature"
        public static let staleAttestation = "stale_attestation"
        public static let futureAttestation = "future_attestation"
        public static let blobMismatch = "blob_mismatch"
        public static let blobMalformed = "blob_malformed"
        public static let notaryRules = "notary_rules"
    }

    /// A failed rule: which rule, which pin, which agent.
    public struct Failure: Sendable, Hashable, Codable, Error, CustomStringConvertible {
        public var rule: String
        public var target: String?
        public var agent: String?
        public var message: String

        public init(rule: String, target: String? = nil, agent: String? = nil, _ message: String) {
            self.rule = rule
            self.target = target
            self.agent = agent
            self.message = message
        }

        public var description: String {
            var parts = ["\(rule): \(message)"]
            if let target { parts.append("pin \(target)") }
            if let agent { parts.append("agent \(agent)") }
            return parts.joined(separator: "; ")
        }
    }
}
