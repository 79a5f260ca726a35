import Foundation
import VantageTestSupport
import Testing
import VantageAgent
import VantageClient
import VantageCore
import VantageTUF

/// Against the real notary-server (Debian's `notary` package) on loopback with TLS, via scripts/testbed/notary.sh.
@Suite("Real notary-server", .timeLimit(.minutes(3)))
struct NotaryServerTests {
    @Test func fetchRotateWalkAndUnknownGUN() async throws {
        let scratch = try Scratch("vantage-notary")
        defer { scratch.remove() }
        let dir = scratch.file("notary")
        var port = 0
        var started = false
        for _ in 0..<5 where !started {
            port = Int.random(in: 20_000...40_000)
            started = try await runCommand("/bin/bash", [PackagePaths.notaryScript, "up", dir, "\(port)"]).status == 0
        }
        try #require(started, "notary-server did not start")
        defer { _ = try? runCommandBlocking("/bin/bash", [PackagePaths.notaryScript, "down", dir]) }
        let url = "https://127.0.0.1:\(port)"
        let gun = "docker.io/vantage/test"
        let published = try await runCommand("/bin/bash", [PackagePaths.notaryScript, "publish", dir, url, gun])
        try #require(published.status == 0, "\(published.output)")

        let limits = FetchLimits(requestTimeout: .seconds(20), totalTimeout: .seconds(60))
        let getter = try AHCHTTPGetter(
            limits: limits, caBundlePath: dir + "/tls/ca.crt", proxy: nil, noProxy: ProxyRule(noProxy: nil),
            destinations: DestinationPolicy(allowPrivateAddresses: true))
        do {
            try await check(getter: getter, limits: limits, dir: dir, url: url, gun: gun)
        } catch {
            await getter.shutdown()
            throw error
        }
        await getter.shutdown()
    }

    func check(getter: AHCHTTPGetter, limits: FetchLimits, dir: String, url: String, gun: String) async throws {
        let prober = TargetProber(http: getter, limits: limits)
        let spec = TargetSpec(id: gun, kind: .notary, url: url, gun: gun)

        let first = await prober.probe(spec, trusted: nil, now: { Date() }, onTrusted: { _ in })
        #expect(first.error == nil, "\(String(describing: first.error))")
        #expect(first.fingerprint?.version == 1)
        #expect(first.fingerprint?.dialect == .notary)
        #expect(first.certificates?.first?.subjectCN == gun)
        #expect(first.selfSignature?.met == true)
        let v1 = try Root.parse(try #require(first.rootBytes))

        for _ in 0..<2 {
            let rotated = try await runCommand("/bin/bash", [PackagePaths.notaryScript, "rotate", dir, url, gun])
            try #require(rotated.status == 0, "\(rotated.output)")
        }
        let walked = await prober.probe(spec, trusted: v1, now: { Date() }, onTrusted: { _ in })
        #expect(walked.error == nil, "\(String(describing: walked.error))")
        #expect(walked.fingerprint?.version == 3)
        #expect(walked.chainSteps == 2)
        #expect(walked.fingerprint?.rootKeys != first.fingerprint?.rootKeys, "rotation changed the root key")

        let unknown = await prober.probe(
            TargetSpec(id: "unknown", kind: .notary, url: url, gun: "docker.io/vantage/unknown"), trusted: nil, now: { Date() },
            onTrusted: { _ in })
        #expect(unknown.error?.kind == .httpStatus)
        #expect(unknown.error?.status == 404)

        // A foreign root for the same GUN (another server's) is a replaced root, not a rotation.
        let foreign = try RootChain(count: 2, dialect: .notary)
        let rejected = await prober.probe(spec, trusted: try foreign.root(2), now: { Date() }, onTrusted: { _ in })
        #expect(rejected.error == nil)
        #expect(rejected.chainRejection != nil)
        #expect(rejected.fingerprint?.sha256 == walked.fingerprint?.sha256)
    }
}
