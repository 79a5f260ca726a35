import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageClient
import VantageCore

/// Hostile and broken servers: each gives its typed error, and nothing crashes.
@Suite("Hostile servers", .timeLimit(.minutes(2)))
struct HostileServerTests {
    func get(_ f: HTTPFixture, _ path: String) async throws -> FetchedResponse {
        try await f.getter.get(f.server.url(path), bearerToken: nil, maxBytes: f.limits.maxResponseBytes, supplier: .configuration)
    }

    @Test func servesAFileOverVerifiedTLS() async throws {
        try await HTTPFixture.with { f in
            try f.publish(Array("{}".utf8), at: "x.json")
            let response = try await get(f, "/files/x.json")
            #expect(response.status == 200)
            #expect(response.body == Array("{}".utf8))
        }
    }

    @Test func untrustedCertificateIsTLS() async throws {
        try await HTTPFixture.with { f in
            let other = try await HTTPFixture.ExtraCA(in: f.scratch.file("other-pki"))
            let getter = try AHCHTTPGetter(
                limits: f.limits, caBundlePath: other.caFile, proxy: nil, noProxy: ProxyRule(noProxy: nil),
                destinations: DestinationPolicy(allowPrivateAddresses: true))
            let kind = await failureKind { _ = try await getter.get(f.server.url("/files/x.json"), bearerToken: nil, maxBytes: 1000, supplier: .configuration) }
            await getter.shutdown()
            #expect(kind == .tls)
        }
    }

    @Test func redirectToHTTPIsRefused() async throws {
        try await HTTPFixture.with { f in
            #expect(await failureKind { _ = try await get(f, "/redirect/http") } == .redirect)
        }
    }

    @Test func redirectsFollowedUpToThreeHops() async throws {
        try await HTTPFixture.with { f in
            try f.publish(Array("{}".utf8), at: "x.json")
            #expect(try await get(f, "/redirect/chain/3/x.json").status == 200)
            #expect(await failureKind { _ = try await get(f, "/redirect/chain/4/x.json") } == .redirect)
        }
    }

    @Test(arguments: ["/big", "/big-chunked"])
    func bodyOverTheCapIsTooLarge(_ path: String) async throws {
        try await HTTPFixture.with { f in
            #expect(await failureKind { _ = try await get(f, path) } == .tooLarge)
        }
    }

    @Test func contentLengthSmallerThanBodyYieldsMalformedRoot() async throws {
        try await HTTPFixture.with { f in
            let response = try await get(f, "/lying-small")
            #expect(response.body.count == 20, "only Content-Length bytes are read")
            var walk = RootWalk(kind: .tuf, trusted: nil)
            let decision = walk.receive(.version(1), .document(response.body))
            guard case .fail(let error) = decision.next else { Issue.record("accepted"); return }
            #expect(error.kind == .malformed)
        }
    }

    @Test func contentLengthLargerThanBodyIsATruncatedMessage() async throws {
        try await HTTPFixture.with { f in
            let error = await failure { _ = try await get(f, "/lying-short") }
            #expect(error?.kind == .malformed, "truncated HTTP message: \(String(describing: error))")
        }
    }

    @Test func tricklingServerTimesOut() async throws {
        try await HTTPFixture.with(limits: FetchLimits(requestTimeout: .seconds(2), totalTimeout: .seconds(3))) { f in
            // The server trickles 1 byte/s for far longer than the limits: only the limits can end this with `timeout`
            // (no wall-clock bound here: the suite's time limit catches a limit that does not work).
            #expect(await failureKind { _ = try await get(f, "/trickle") } == .timeout)
        }
    }

    @Test func hangingServerTimesOut() async throws {
        try await HTTPFixture.with(limits: FetchLimits(requestTimeout: .seconds(1), totalTimeout: .seconds(2))) { f in
            #expect(await failureKind { _ = try await get(f, "/hang") } == .timeout)
        }
    }

    @Test func garbageJSONIsMalformed() async throws {
        try await HTTPFixture.with { f in
            let prober = TargetProber(http: f.getter, limits: f.limits)
            try f.publish(Array("this is not json {{{".utf8), at: "garbage/1.root.json")
            let result = await prober.probe(TargetSpec(id: "g", kind: .tuf, url: f.server.url("/files/garbage")), trusted: nil,
                now: { Date() }, onTrusted: { _ in })
            #expect(result.error?.kind == .malformed)
        }
    }

    @Test func refusedConnectionIsConnect() async throws {
        try await HTTPFixture.with { f in
            let url = "https://127.0.0.1:1/x"
            #expect(await failureKind { _ = try await f.getter.get(url, bearerToken: nil, maxBytes: 100, supplier: .configuration) } == .connect)
        }
    }

    @Test func unknownHostIsDNS() async throws {
        try await HTTPFixture.with { f in
            let url = "https://no-such-host.invalid/x"
            #expect(await failureKind { _ = try await f.getter.get(url, bearerToken: nil, maxBytes: 100, supplier: .configuration) } == .dns)
        }
    }

    @Test func missingVersionIsTheEndOfATUFChain() async throws {
        try await HTTPFixture.with { f in
            let source = TUFRootSource(baseURL: f.server.url("/files/none"), http: f.getter, maxBytes: 1000)
            let missing = try await source.fetch(.version(1))
            #expect(missing == .absent(status: 404))
            let objectStore = TUFRootSource(baseURL: f.server.url("/files403/none"), http: f.getter, maxBytes: 1000)
            let forbidden = try await objectStore.fetch(.version(1))
            #expect(forbidden == .absent(status: 403))
            let broken = TUFRootSource(baseURL: f.server.url("/token-bad?"), http: f.getter, maxBytes: 1000)
            #expect(await failureKind { _ = try await broken.fetch(.version(1)) } == .httpStatus)
        }
    }
}

extension HTTPFixture {
    /// A second, unrelated CA (the server's certificate does not chain to it).
    struct ExtraCA {
        let caFile: String
        init(in directory: String) async throws {
            caFile = try await TestCertificates.make(in: directory).caFile
        }
    }
}
