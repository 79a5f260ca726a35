import Foundation
import Testing
import VantageAgent
import VantageClient
import VantageCore

@Suite("WWW-Authenticate parsing")
struct BearerChallengeTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var headers: [String]
        var realm: String?
        var service: String?
        var scope: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "docker", headers: [#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#],
             realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:samalba/my-app:pull,push"),
        Case(name: "spaces and case", headers: [#"  bearer  Realm = "https://a.example/t" , SERVICE="notary""#],
             realm: "https://a.example/t", service: "notary", scope: nil),
        Case(name: "unquoted token values", headers: ["Bearer realm=https://a.example/token,service=notary"],
             realm: "https://a.example/token", service: "notary", scope: nil),
        Case(name: "escaped quote", headers: [#"Bearer realm="https://a.example/t\"x",service="s""#],
             realm: "https://a.example/t\"x", service: "s", scope: nil),
        Case(name: "basic before bearer in one header", headers: [#"Basic realm="registry", Bearer realm="https://b.example/token",service="svc""#],
             realm: "https://b.example/token", service: "svc", scope: nil),
        Case(name: "bearer in second header", headers: [#"Basic realm="x""#, #"Bearer realm="https://c.example/t""#],
             realm: "https://c.example/t", service: nil, scope: nil),
        Case(name: "basic only", headers: [#"Basic realm="x""#], realm: nil, service: nil, scope: nil),
        Case(name: "bearer without realm", headers: [#"Bearer service="x""#], realm: nil, service: nil, scope: nil),
        Case(name: "empty", headers: [""], realm: nil, service: nil, scope: nil),
        Case(name: "garbage", headers: [#"=,,"" ,=Bearer"#], realm: nil, service: nil, scope: nil),
        Case(name: "unterminated quote", headers: [#"Bearer realm="https://d.example/t"#], realm: "https://d.example/t", service: nil, scope: nil),
    ]

    @Test(arguments: cases)
    func parse(_ c: Case) {
        let challenge = BearerChallenge.parse(c.headers)
        #expect(challenge?.realm == c.realm)
        if c.realm != nil {
            #expect(challenge?.service == c.service)
            #expect(challenge?.scope == c.scope)
        }
    }
}

@Suite("Token request")
struct TokenRequestTests {
    @Test func urlCarriesServiceAndGUNScope() throws {
        let url = try TokenRequest.url(
            for: BearerChallenge(realm: "https://auth.example/token?x=1", service: "notary.example", scope: "repository:other:push"),
            gun: "docker.io/library/debian", allowHTTP: false)
        let items = URLComponents(string: url)?.queryItems ?? []
        #expect(items.contains(URLQueryItem(name: "x", value: "1")))
        #expect(items.contains(URLQueryItem(name: "service", value: "notary.example")))
        #expect(items.contains(URLQueryItem(name: "scope", value: "repository:docker.io/library/debian:pull")))
    }

    @Test func plainHTTPRealmOnlyForHTTPTargets() throws {
        expectKind(.auth) { _ = try TokenRequest.url(for: .init(realm: "http://a.example/t"), gun: "g", allowHTTP: false) }
        _ = try TokenRequest.url(for: .init(realm: "http://a.example/t"), gun: "g", allowHTTP: true)
        expectKind(.auth) { _ = try TokenRequest.url(for: .init(realm: "/relative"), gun: "g", allowHTTP: true) }
    }

    @Test(arguments: [
        (#"{"token":"abc"}"#, "abc"),
        (#"{"access_token":"xyz","token":"abc"}"#, "xyz"),
        (#"{"access_token":"","token":"abc"}"#, "abc"),
    ])
    func tokenFromAnswer(_ body: String, _ expected: String) throws {
        #expect(try TokenRequest.token(from: Array(body.utf8)) == expected)
    }

    @Test(arguments: [#"{}"#, #"not json"#, #"{"token":""}"#, #"{"token":"a b"}"#, #"[1]"#])
    func unusableTokenIsAuth(_ body: String) {
        expectKind(.auth) { _ = try TokenRequest.token(from: Array(body.utf8)) }
    }
}

/// Expects `body` to throw an ``ObservationError`` of `kind`.
func expectKind(_ kind: ObservationError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(kind), nothing thrown", sourceLocation: sourceLocation)
    } catch let error as ObservationError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(kind), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Redirect policy")
struct RedirectPolicyTests {
    @Test(arguments: [
        ("https://a.example/x", "https://b.example/y", 0, "follow https://b.example/y"),
        ("https://a.example/x/y", "../z", 1, "follow https://a.example/z"),
        ("https://a.example/x", "//c.example/p", 2, "follow https://c.example/p"),
        ("https://a.example/x", "http://a.example/x", 0, "reject"),
        ("http://a.example/x", "http://a.example/y", 0, "reject"),
        ("http://a.example/x", "https://a.example/y", 0, "follow https://a.example/y"),
        ("https://a.example/x", "ftp://a.example/y", 0, "reject"),
        ("https://a.example/x", "https://b.example/y", 3, "reject"),
        ("https://a.example/x", "", 0, "reject"),
    ])
    func decide(_ from: String, _ location: String, _ hops: Int, _ expected: String) {
        let decision = RedirectPolicy.decide(from: from, location: location.isEmpty ? nil : location, hopsSoFar: hops, maxHops: 3)
        switch decision {
        case .follow(let url): #expect(expected == "follow \(url)")
        case .reject: #expect(expected == "reject")
        }
    }

    @Test func originChange() {
        #expect(!RedirectPolicy.changesOrigin(from: "https://a.example/x", to: "https://a.example/y"))
        #expect(RedirectPolicy.changesOrigin(from: "https://a.example/x", to: "https://b.example/y"))
        #expect(RedirectPolicy.changesOrigin(from: "https://a.example/x", to: "https://a.example:444/y"))
    }
}

@Suite("Backoff")
struct BackoffTests {
    @Test(arguments: [
        (1, 0.0, 0.5), (1, 0.999, 0.9995), (2, 0.0, 1.0), (3, 0.0, 2.0), (4, 1.0, 8.0), (10, 0.0, 150.0), (40, 1.0, 300.0),
    ])
    func schedule(_ failures: Int, _ random: Double, _ seconds: Double) {
        let delay = Backoff(base: .seconds(1), cap: .seconds(300)).delay(afterFailures: failures, random: random)
        #expect(abs(delay / .seconds(1) - seconds) < 0.001)
    }

    @Test func noFailureNoDelay() { #expect(Backoff().delay(afterFailures: 0, random: 0.5) == .zero) }
}

@Suite("NO_PROXY")
struct ProxyRuleTests {
    @Test(arguments: [
        ("", "a.example", false), ("*", "a.example", true), ("a.example", "a.example", true),
        ("a.example", "x.a.example", true), (".a.example", "x.a.example", true), (".a.example", "a.example", true),
        ("a.example", "ba.example", false), ("127.0.0.1", "127.0.0.1", true), ("localhost, 10.0.0.1", "10.0.0.1", true),
        ("a.example:8443", "a.example", false), ("a.example:443", "a.example", true), ("*.a.example", "b.a.example", true),
    ])
    func bypass(_ noProxy: String, _ host: String, _ expected: Bool) {
        #expect(ProxyRule(noProxy: noProxy).bypasses(host: host, port: 443) == expected)
    }
}
