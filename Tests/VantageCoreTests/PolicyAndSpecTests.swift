import Foundation
import Testing
import VantageCore
import VantageTUF

struct TrustPolicyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: String?
    var change: @Sendable (inout TrustPolicy) -> Void
    var testDescription: String { name }
    init(_ name: String, _ expected: String?, _ change: @escaping @Sendable (inout TrustPolicy) -> Void) {
        self.name = name
        self.expected = expected
        self.change = change
    }
}

@Suite("Trust policies, target specs, consensus policy encoding, API paths")
struct PolicyAndSpecTests {
    static let trustPolicyCases: [TrustPolicyCase] = [
        .init("valid: 4 agents, 3 regions, quorum 2 of 2 regions", nil) { _ in },
        .init("valid: quorum equals the number of agents", nil) { $0.quorum = 4 },
        .init("valid: min_regions equals the number of regions", nil) { $0.minRegions = 3 },
        .init("wrong document type", "type must be vantage-trust-policy/v2") { $0.type = "vantage-trust-policy/v0" },
        .init("previous document type (v1)", "type must be vantage-trust-policy/v2") { $0.type = "vantage-trust-policy/v1" },
        .init("no coordinator keys", "no coordinator keys") { $0.coordinators = [] },
        .init("quorum 0", "quorum must be at least 1") { $0.quorum = 0 },
        .init("negative quorum", "quorum must be at least 1") { $0.quorum = -2 },
        .init("min_regions 0", "min_regions must be at least 1") { $0.minRegions = 0 },
        .init("duplicate agent ids", "agent ids must be unique") { $0.agents[1].id = $0.agents[0].id },
        .init("one key under two agent ids", "agent public keys must be unique") { $0.agents[1].publicKey = $0.agents[0].publicKey },
        .init("coordinator key listed as an agent", "an agent key must not be a coordinator key") {
            $0.agents[0].publicKey = $0.coordinators[0].publicKey
        },
        .init("fewer agents than quorum", "fewer agents (4) than quorum (5)") { $0.quorum = 5 },
        .init("no agents", "fewer agents (0) than quorum (2)") { $0.agents = [] },
        .init("fewer regions than min_regions", "fewer regions than min_regions") { $0.minRegions = 4 },
        .init("max_age 0", "max_age_seconds must be positive") { $0.maxAgeSeconds = 0 },
        .init("negative max_age", "max_age_seconds must be positive") { $0.maxAgeSeconds = -1 },
        .init("max_list_age 0", "max_list_age_seconds must be positive") { $0.maxListAgeSeconds = 0 },
        .init("skew 0 is allowed", nil) { $0.skewSeconds = 0 },
        .init("skew 3600 is allowed", nil) { $0.skewSeconds = 3600 },
        .init("negative skew", "skew_seconds must be 0 to 3600") { $0.skewSeconds = -1 },
        .init("skew above an hour", "skew_seconds must be 0 to 3600") { $0.skewSeconds = 3601 },
        .init("two coordinators under one id", "coordinator ids must be unique") {
            $0.coordinators.append(.init(id: $0.coordinators[0].id, publicKey: Fleet.shared.stranger.publicKey))
        },
        .init("one coordinator key under two ids", "coordinator keys must be unique") {
            $0.coordinators.append(.init(id: "coord-2", publicKey: $0.coordinators[0].publicKey))
        },
        .init("valid: two approvers, threshold 2", nil) {
            $0.approvers = [Fleet.shared.approverKey("alice"), Fleet.shared.approverKey("bob")]; $0.approvalThreshold = 2
        },
        .init("approval threshold above the number of approvers", "approval_threshold (3) exceeds the number of approvers (2)") {
            $0.approvers = [Fleet.shared.approverKey("alice"), Fleet.shared.approverKey("bob")]; $0.approvalThreshold = 3
        },
        .init("approval threshold 0", "approval_threshold must be at least 1") {
            $0.approvers = [Fleet.shared.approverKey("alice")]; $0.approvalThreshold = 0
        },
        .init("duplicate approver ids", "approver ids must be unique") {
            $0.approvers = [Fleet.shared.approverKey("alice"), ApproverKey(id: "alice", publicKey: Fleet.shared.approvers["bob"]!.publicKey)]
        },
        .init("one approver key under two ids", "approver keys must be unique") {
            $0.approvers = [Fleet.shared.approverKey("alice"), ApproverKey(id: "alias", publicKey: Fleet.shared.approvers["alice"]!.publicKey)]
        },
        .init("approver key is the coordinator key", "an approver key must not be a coordinator key") {
            $0.approvers = [ApproverKey(id: "ops", publicKey: $0.coordinators[0].publicKey)]
        },
        .init("approver key is an agent key", "an approver key must not be an agent key") {
            $0.approvers = [ApproverKey(id: "ops", publicKey: $0.agents[0].publicKey)]
        },
        .init("valid: a target entry with a normalised source", nil) { $0.targets = [.init(id: "t/app", source: SourceFixtures.tuf)] },
        .init("duplicate target entries", "target ids must be unique") {
            $0.targets = [.init(id: "t/app", source: SourceFixtures.tuf), .init(id: "t/app", source: SourceFixtures.notary)]
        },
        .init("target entry with a source that is not normalised", "target t/app: source url https://TUF.example/ is not normalised") {
            $0.targets = [.init(id: "t/app", source: RepositorySource(kind: .tuf, normalisedURL: "https://TUF.example/", gun: nil))]
        },
        .init("notary target entry without a gun", "target t/app: a notary source needs a gun") {
            $0.targets = [.init(id: "t/app", source: RepositorySource(kind: .notary, normalisedURL: "https://n.example", gun: nil))]
        },
    ]

    @Test("TrustPolicy.problem", arguments: trustPolicyCases)
    func trustPolicyProblem(_ c: TrustPolicyCase) {
        var policy = Fleet.shared.trustPolicy()
        c.change(&policy)
        #expect(policy.problem == c.expected)
    }

    @Test("TrustPolicy JSON round trip with documented keys")
    func trustPolicyCodable() throws {
        let policy = Fleet.shared.trustPolicy(
            minPinListVersion: 7, approvers: ["alice"], targets: [.init(id: "t/app", source: SourceFixtures.tuf)])
        let bytes = try Canonical.encode(policy)
        let text = String(decoding: bytes, as: UTF8.self)
        for key in ["\"min_regions\":2", "\"max_age_seconds\":1800", "\"min_pin_list_version\":7", "\"public_key\":", "\"type\":\"vantage-trust-policy/v2\"",
                    "\"max_list_age_seconds\":1800", "\"skew_seconds\":300", "\"approval_threshold\":1", "\"approvers\":[{\"id\":\"alice\"",
                    "\"targets\":[{\"id\":\"t/app\",\"source\":{\"kind\":\"tuf\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(try Canonical.decode(TrustPolicy.self, from: bytes) == policy)
        // A policy with a malformed key does not load.
        let broken = text.replacingOccurrences(of: policy.agents[0].publicKey.base64, with: "AAAA")
        #expect(throws: CoreError(.malformedDocument, "")) { try Canonical.decode(TrustPolicy.self, from: Array(broken.utf8)) }
    }

    @Test("a v2 trust policy without the optional fields takes the documented defaults")
    func trustPolicyDefaults() throws {
        let key = Fleet.shared.coordinator.publicKey.base64
        let agents = ["a1", "a2"].map { #"{"id":"\#($0)","region":"\#(Fleet.shared.region($0))","public_key":"\#(Fleet.shared[$0].identity.publicKey.base64)"}"# }
        let json = #"{"type":"vantage-trust-policy/v2","coordinators":[{"id":"coord","public_key":"\#(key)"}],"agents":[\#(agents.joined(separator: ","))],"quorum":2,"min_regions":2,"max_age_seconds":900}"#
        let policy = try Canonical.decode(TrustPolicy.self, from: Array(json.utf8))
        #expect(policy.maxListAgeSeconds == 900)
        #expect(policy.skewSeconds == 300)
        #expect(policy.minPinListVersion == 0)
        #expect(policy.approvers.isEmpty && policy.approvalThreshold == 1 && policy.targets.isEmpty)
        #expect(policy.problem == nil)
    }

    static let targetSpecs: [(String, TargetSpec, String?)] = [
        ("valid notary", TargetSpec(id: "docker.io/library/debian", kind: .notary, url: "https://notary.docker.io", gun: "docker.io/library/debian"), nil),
        ("valid tuf", TargetSpec(id: "sigstore", kind: .tuf, url: "https://tuf-repo-cdn.sigstore.dev"), nil),
        ("valid plain-http testbed", TargetSpec(id: "local:4443/app", kind: .tuf, url: "http://127.0.0.1:4443"), nil),
        ("valid id with all allowed punctuation", TargetSpec(id: "a.b_c-d/e:f@g", kind: .tuf, url: "https://x"), nil),
        ("id of 200 characters", TargetSpec(id: String(repeating: "a", count: 200), kind: .tuf, url: "https://x"), nil),
        ("empty id", TargetSpec(id: "", kind: .tuf, url: "https://x"), "target id must be 1 to 200 characters"),
        ("id of 201 characters", TargetSpec(id: String(repeating: "a", count: 201), kind: .tuf, url: "https://x"), "target id must be 1 to 200 characters"),
        ("SQL-looking id", TargetSpec(id: "x'; DROP TABLE targets;--", kind: .tuf, url: "https://x"), "may contain only"),
        ("SQL-looking id without spaces", TargetSpec(id: "x'OR'1'='1", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with a space", TargetSpec(id: "docker.io/library/ debian", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with a newline", TargetSpec(id: "a\nb", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with a NUL", TargetSpec(id: "a\u{0}b", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with percent", TargetSpec(id: "a%2Fb", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with a query", TargetSpec(id: "a?b=c", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with non-ASCII letters", TargetSpec(id: "café", kind: .tuf, url: "https://x"), "may contain only"),
        ("id with a fullwidth solidus", TargetSpec(id: "a\u{FF0F}b", kind: .tuf, url: "https://x"), "may contain only"),
        ("id that is a dot segment", TargetSpec(id: "..", kind: .tuf, url: "https://x"), "dot segment"),
        ("id that is a single dot", TargetSpec(id: ".", kind: .tuf, url: "https://x"), "dot segment"),
        ("ftp url", TargetSpec(id: "a", kind: .tuf, url: "ftp://example.com"), "url must be http(s)"),
        ("file url", TargetSpec(id: "a", kind: .tuf, url: "file:///etc/passwd"), "url must be http(s)"),
        ("javascript url", TargetSpec(id: "a", kind: .tuf, url: "javascript:alert(1)"), "url must be http(s)"),
        ("scheme-relative url", TargetSpec(id: "a", kind: .tuf, url: "//example.com"), "url must be http(s)"),
        ("empty url", TargetSpec(id: "a", kind: .tuf, url: ""), "url must be http(s)"),
        ("notary without gun", TargetSpec(id: "a", kind: .notary, url: "https://notary.example"), "notary targets need a gun"),
        ("notary with empty gun", TargetSpec(id: "a", kind: .notary, url: "https://notary.example", gun: ""), "notary targets need a gun"),
        ("notary gun with path traversal", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "docker.io/../../etc"), "gun"),
        ("notary gun that is absolute", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "/etc/passwd"), "gun"),
        ("notary gun with an empty component", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "docker.io//app"), "gun"),
        ("notary gun with a space", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "docker.io/my app"), "gun"),
        ("notary gun with a query", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "docker.io/app?x=1"), "gun"),
        ("notary gun with a backslash", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "docker.io\\app"), "gun"),
        ("notary gun with a registry port", TargetSpec(id: "a", kind: .notary, url: "https://n", gun: "registry.local:5000/team/app"), nil),
    ]

    @Test("TargetSpec.problem", arguments: targetSpecs)
    func targetSpecProblem(_ name: String, _ spec: TargetSpec, _ expected: String?) {
        if let expected {
            #expect(spec.problem?.contains(expected) == true, "\(spec.problem ?? "accepted")")
        } else {
            #expect(spec.problem == nil)
        }
    }

    static let consensusPolicies: [(String, ConsensusPolicy)] = [
        ("default (approve)", ConsensusPolicy()),
        ("hold 7200 s", ConsensusPolicy(quorum: 3, minRegions: 2, maxAgeSeconds: 900, maxDissent: 1,
                                         minDuration: .init(first: 60, resigned: 0, rotated: 300, replaced: 86_400),
                                         unchained: .hold(seconds: 7200), expiryWarningDays: 14)),
        ("hold 0 s", ConsensusPolicy(unchained: .hold(seconds: 0))),
    ]

    @Test("ConsensusPolicy Codable round trip", arguments: consensusPolicies)
    func consensusPolicyRoundTrip(_ name: String, _ policy: ConsensusPolicy) throws {
        let bytes = try Canonical.encode(policy)
        #expect(try Canonical.decode(ConsensusPolicy.self, from: bytes) == policy)
        // Canonical bytes (what a pin list header signs) are stable across a round trip.
        #expect(try Canonical.bytes(of: Canonical.decode(ConsensusPolicy.self, from: bytes)) == Canonical.bytes(of: policy))
    }

    @Test("ConsensusPolicy wire form")
    func consensusPolicyWire() throws {
        let policy = ConsensusPolicy(unchained: .hold(seconds: 7200))
        let text = String(decoding: try Canonical.bytes(of: policy), as: UTF8.self)
        #expect(text == #"{"expiry_warning_days":30,"max_age_seconds":1800,"max_dissent":0,"min_duration_seconds":{"first":0,"replaced":3600,"resigned":0,"rotated":600},"min_regions":2,"quorum":2,"unchained":{"hold_seconds":7200,"mode":"hold"}}"#)
        let approve = String(decoding: try Canonical.bytes(of: ConsensusPolicy()), as: UTF8.self)
        #expect(approve.contains(#""unchained":{"mode":"approve"}"#))
    }

    static let badUnchained: [(String, String)] = [
        ("unknown mode", #"{"mode":"auto"}"#),
        ("hold without hold_seconds", #"{"mode":"hold"}"#),
        ("hold_seconds not an integer", #"{"mode":"hold","hold_seconds":"7200"}"#),
        ("mode missing", #"{"hold_seconds":7200}"#),
        ("bare string", #""approve""#),
    ]

    @Test("malformed unchained handling does not decode", arguments: badUnchained)
    func badUnchainedHandling(_ name: String, _ json: String) {
        #expect(throws: CoreError(.malformedDocument, "")) {
            try Canonical.decode(ConsensusPolicy.UnchainedHandling.self, from: Array(json.utf8))
        }
    }

    static let segments: [(String, String)] = [
        ("docker.io/library/debian", "docker.io%2Flibrary%2Fdebian"),
        ("sigstore", "sigstore"),
        ("a-b_c.d~e", "a-b_c.d~e"),
        ("registry.local:5000/app@x", "registry.local%3A5000%2Fapp%40x"),
        ("a b", "a%20b"),
        ("100%", "100%25"),
        ("a?b#c", "a%3Fb%23c"),
        ("../x", "..%2Fx"),
        ("a\nb", "a%0Ab"),
        ("café", "caf%C3%A9"),
        ("", ""),
    ]

    @Test("APIPath.segment percent-encodes ids as one segment", arguments: segments)
    func pathSegment(_ id: String, _ expected: String) {
        let segment = APIPath.segment(id)
        #expect(segment == expected)
        #expect(!segment.contains("/"))
        #expect(segment.removingPercentEncoding == id)
    }
}
