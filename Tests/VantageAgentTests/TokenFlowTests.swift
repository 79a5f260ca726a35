import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageCore
import VantageTUF

/// The registry bearer-token challenge against a local token-challenge server.
@Suite("Bearer token flow", .timeLimit(.minutes(2)))
struct TokenFlowTests {
    /// Publishes a Notary root for `gun` and probes it through the challenge.
    func probe(_ f: HTTPFixture, gun: String) async throws -> ProbeResult {
        let chain = try RootChain(count: 1, dialect: .notary, gun: gun)
        try f.publish(chain.documents[0], at: "notary/\(gun)/root.json")
        let prober = TargetProber(http: f.getter, limits: f.limits)
        return await prober.probe(TargetSpec(id: gun, kind: .notary, url: f.server.base, gun: gun), trusted: nil, now: { Date() },
            onTrusted: { _ in })
    }

    @Test func tokenFlowSucceeds() async throws {
        try await HTTPFixture.with { f in
            let result = try await probe(f, gun: "example.org/team/app")
            #expect(result.error == nil, "\(String(describing: result.error))")
            #expect(result.fingerprint?.version == 1)
        }
    }

    @Test func accessTokenWinsOverToken() async throws {
        try await HTTPFixture.with { f in
            let result = try await probe(f, gun: "access/app")
            #expect(result.error == nil, "\(String(describing: result.error))")
        }
    }

    @Test(arguments: ["bad/app", "garbage/app"])
    func brokenTokenEndpointIsAuth(_ gun: String) async throws {
        try await HTTPFixture.with { f in
            let result = try await probe(f, gun: gun)
            #expect(result.error?.kind == .auth, "\(String(describing: result.error))")
        }
    }

    @Test func hangingTokenEndpointIsTimeout() async throws {
        try await HTTPFixture.with(limits: FetchLimits(requestTimeout: .seconds(1), totalTimeout: .seconds(3))) { f in
            let result = try await probe(f, gun: "hang/app")
            #expect(result.error?.kind == .timeout, "\(String(describing: result.error))")
        }
    }

    @Test func plainHTTPTargetMayUseAnHTTPRealm() async throws {
        try await HTTPFixture.with(tls: false) { f in
            let result = try await probe(f, gun: "example.org/plain")
            #expect(result.error == nil, "\(String(describing: result.error))")
        }
    }
}
