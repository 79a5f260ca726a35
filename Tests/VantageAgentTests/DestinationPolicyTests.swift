import Foundation
import Testing
import VantageAgent
import VantageClient
import VantageCore

/// The pure `network.*` rules: which addresses a probe may reach, which coordinator URLs may be probed.
@Suite("Destination policy")
struct DestinationPolicyTests {
    struct AddressCase: Sendable, CustomStringConvertible {
        var literal: String
        /// The refused class, or `nil` for a public address.
        var refused: IPAddress.Class?
        var description: String { literal }
    }

    static let addressCases: [AddressCase] = [
        // Loopback.
        .init(literal: "127.0.0.1", refused: .loopback),
        .init(literal: "127.255.255.254", refused: .loopback),
        .init(literal: "::1", refused: .loopback),
        .init(literal: "[::1]", refused: .loopback),
        // Private.
        .init(literal: "10.0.0.1", refused: .privateNetwork),
        .init(literal: "10.255.255.255", refused: .privateNetwork),
        .init(literal: "172.16.0.1", refused: .privateNetwork),
        .init(literal: "172.31.255.255", refused: .privateNetwork),
        .init(literal: "192.168.1.1", refused: .privateNetwork),
        .init(literal: "fc00::1", refused: .privateNetwork),
        .init(literal: "fd12:3456:789a::1", refused: .privateNetwork),
        // Link-local (cloud metadata services live here).
        .init(literal: "169.254.169.254", refused: .linkLocal),
        .init(literal: "fe80::1", refused: .linkLocal),
        .init(literal: "febf::1", refused: .linkLocal),
        // CGNAT.
        .init(literal: "100.64.0.1", refused: .sharedCGNAT),
        .init(literal: "100.127.255.255", refused: .sharedCGNAT),
        // Unspecified.
        .init(literal: "0.0.0.0", refused: .unspecified),
        .init(literal: "0.1.2.3", refused: .unspecified),
        .init(literal: "::", refused: .unspecified),
        // Multicast and reserved.
        .init(literal: "224.0.0.1", refused: .multicast),
        .init(literal: "239.255.255.250", refused: .multicast),
        .init(literal: "ff02::1", refused: .multicast),
        .init(literal: "240.0.0.1", refused: .reserved),
        .init(literal: "255.255.255.255", refused: .reserved),
        // IPv6 forms embedding a refused IPv4 address.
        .init(literal: "::ffff:127.0.0.1", refused: .loopback),
        .init(literal: "::ffff:7f00:1", refused: .loopback),
        .init(literal: "::ffff:10.1.2.3", refused: .privateNetwork),
        .init(literal: "::ffff:169.254.169.254", refused: .linkLocal),
        .init(literal: "::127.0.0.1", refused: .loopback),
        .init(literal: "64:ff9b::192.168.0.1", refused: .privateNetwork),
        .init(literal: "2002:7f00:1::", refused: .loopback),
        // Public, including the neighbours of every refused range.
        .init(literal: "93.184.215.14", refused: nil),
        .init(literal: "1.1.1.1", refused: nil),
        .init(literal: "8.8.8.8", refused: nil),
        .init(literal: "9.255.255.255", refused: nil),
        .init(literal: "11.0.0.0", refused: nil),
        .init(literal: "172.15.255.255", refused: nil),
        .init(literal: "172.32.0.0", refused: nil),
        .init(literal: "192.167.255.255", refused: nil),
        .init(literal: "192.169.0.0", refused: nil),
        .init(literal: "100.63.255.255", refused: nil),
        .init(literal: "100.128.0.0", refused: nil),
        .init(literal: "169.253.255.255", refused: nil),
        .init(literal: "126.255.255.255", refused: nil),
        .init(literal: "128.0.0.0", refused: nil),
        .init(literal: "223.255.255.255", refused: nil),
        .init(literal: "2606:4700:4700::1111", refused: nil),
        .init(literal: "2001:4860:4860::8888", refused: nil),
        .init(literal: "::ffff:93.184.215.14", refused: nil),
        .init(literal: "fbff::1", refused: nil),
    ]

    @Test(arguments: addressCases)
    func addressClass(_ c: AddressCase) throws {
        let address = try #require(IPAddress(literal: c.literal))
        #expect(address.nonPublicClass == c.refused)
        let host = c.literal.trimmingCharacters(in: ["[", "]"])
        let verdict = DestinationPolicy().check(host: host, addresses: [address])
        if let refused = c.refused {
            guard case .forbidden(let reason) = verdict else {
                Issue.record("\(c.literal) allowed")
                return
            }
            // The reason names the address, its class and the key that allows it.
            #expect(reason.contains(refused.rawValue), "\(reason)")
            #expect(reason.contains("network.allow_private_addresses"), "\(reason)")
            #expect(reason.hasPrefix("destination \(address) is "), "\(reason)")
        } else {
            #expect(verdict == .allowed)
        }
        // The permission lets everything through.
        #expect(DestinationPolicy(allowPrivateAddresses: true).check(host: host, addresses: [address]) == .allowed)
    }

    @Test func refusalMessageNamesTheRule() {
        let verdict = DestinationPolicy().check(host: "127.0.0.1", addresses: [IPAddress(literal: "127.0.0.1")!])
        #expect(verdict == .forbidden("destination 127.0.0.1 is a loopback address; set network.allow_private_addresses to allow it"))
    }

    @Test func nameIsRefusedWhenAnyOfItsAddressesIs() {
        let policy = DestinationPolicy()
        let publicAddress = IPAddress(literal: "93.184.215.14")!
        #expect(policy.check(host: "repo.example.org", addresses: [publicAddress]) == .allowed)
        let verdict = policy.check(host: "repo.example.org", addresses: [publicAddress, IPAddress(literal: "10.0.0.7")!])
        #expect(verdict == .forbidden(
            "destination repo.example.org resolves to 10.0.0.7, which is a private address; set network.allow_private_addresses to allow it"))
        guard case .forbidden = policy.check(host: "nothing.example.org", addresses: []) else {
            Issue.record("a name without addresses was allowed")
            return
        }
    }

    @Test(arguments: ["127.1", "0x7f000001", "2130706433", "localhost", "fe80::1%eth0", "", "1.2.3.4.5", "[::1"])
    func notALiteralAddress(_ text: String) {
        // These are left to the resolver, whose answers are then checked like any other.
        #expect(IPAddress(literal: text) == nil)
    }

    @Test func addressesPrintInTheirUsualForm() {
        #expect(IPAddress(literal: "10.1.2.3")?.description == "10.1.2.3")
        #expect(IPAddress(literal: "::ffff:127.0.0.1")?.description == "::ffff:127.0.0.1")
        #expect(IPAddress(literal: "FE80:0:0::1")?.description == "fe80::1")
    }

    // MARK: - network.allowed_sources

    struct SourceCase: Sendable, CustomStringConvertible {
        var pattern: String
        var url: String
        var admitted: Bool
        var description: String { "\(pattern) vs \(url)" }
    }

    static let sourceCases: [SourceCase] = [
        // Host patterns: https on the pattern's port (443 by default), any path.
        .init(pattern: "notary.example.com", url: "https://notary.example.com", admitted: true),
        .init(pattern: "notary.example.com", url: "https://NOTARY.example.com:443/v2", admitted: true),
        .init(pattern: "Notary.Example.com", url: "https://notary.example.com/", admitted: true),
        .init(pattern: "notary.example.com", url: "https://notary.example.com:4443", admitted: false),
        .init(pattern: "notary.example.com:4443", url: "https://notary.example.com:4443", admitted: true),
        .init(pattern: "notary.example.com", url: "http://notary.example.com", admitted: false),
        .init(pattern: "notary.example.com", url: "https://sub.notary.example.com", admitted: false),
        .init(pattern: "example.com", url: "https://example.com.evil.net", admitted: false),
        .init(pattern: "example.com", url: "https://evilexample.com", admitted: false),
        .init(pattern: "example.com", url: "https://example.com@evil.net", admitted: false),
        .init(pattern: "example.com", url: "https://evil.net/https://example.com", admitted: false),
        // Subdomain wildcards.
        .init(pattern: "*.example.com", url: "https://tuf.example.com", admitted: true),
        .init(pattern: "*.example.com", url: "https://a.b.example.com/metadata", admitted: true),
        .init(pattern: "*.example.com", url: "https://example.com", admitted: false),
        .init(pattern: "*.example.com", url: "https://evilexample.com", admitted: false),
        .init(pattern: "*.example.com", url: "https://example.com.evil.net", admitted: false),
        .init(pattern: "*.example.com", url: "https://tuf.example.com.evil.net", admitted: false),
        .init(pattern: "*.example.com", url: "https://tuf.example.com:8443", admitted: false),
        // URL prefixes: path-segment boundaries, after normalisation.
        .init(pattern: "https://host/metadata", url: "https://host/metadata", admitted: true),
        .init(pattern: "https://host/metadata", url: "https://host/metadata/", admitted: true),
        .init(pattern: "https://host/metadata", url: "https://HOST:443/metadata/repo", admitted: true),
        .init(pattern: "https://host/metadata/", url: "https://host/metadata/repo", admitted: true),
        .init(pattern: "https://host/metadata", url: "https://host/metadata-other", admitted: false),
        .init(pattern: "https://host/metadata", url: "https://host/metadata/../admin", admitted: false),
        .init(pattern: "https://host/metadata", url: "https://host/meta", admitted: false),
        .init(pattern: "https://host/metadata", url: "http://host/metadata", admitted: false),
        .init(pattern: "https://host/metadata", url: "https://host:8443/metadata", admitted: false),
        .init(pattern: "https://host", url: "https://host/anything", admitted: true),
        .init(pattern: "https://host", url: "https://host.evil.net/anything", admitted: false),
        .init(pattern: "https://host", url: "https://host:8443/", admitted: false),
        .init(pattern: "http://127.0.0.1:8080/repo", url: "http://127.0.0.1:8080/repo/a", admitted: true),
        .init(pattern: "http://127.0.0.1:8080/repo", url: "http://127.0.0.1:8081/repo/a", admitted: false),
        .init(pattern: "https://host/metadata", url: "https://host/metadata?x=1", admitted: false),
        // Encoded dot segments and separators never escape a prefix (issue 22 item 3), whatever their case.
        .init(pattern: "http://host/metadata", url: "http://host/metadata/%2e%2e/private-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/%2E%2E/private-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/..%2fprivate-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/..%2Fprivate-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/..%5cprivate-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata%2f..%2fprivate-tenant", admitted: false),
        // Nor do dot segments with path parameters, which servlet containers resolve as `..` (issue 22, L2).
        .init(pattern: "http://host/metadata", url: "http://host/metadata/..;/private-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/..%3B/private-tenant", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata-evil/x", admitted: false),
        .init(pattern: "http://host/metadata", url: "http://host/metadata%41/x", admitted: false),
        // Positive controls: a plain path, and one spelled with encoded unreserved characters.
        .init(pattern: "http://host/metadata", url: "http://host/metadata/private-tenant", admitted: true),
        .init(pattern: "http://host/metadata", url: "http://host/metadata/a;b/private-tenant", admitted: true),
        .init(pattern: "http://host/metadata", url: "http://host/%6detadata/%41pp", admitted: true),
        .init(pattern: "http://host/%6Detadata", url: "http://host/metadata/app", admitted: true),
    ]

    @Test(arguments: sourceCases)
    func sourcePattern(_ c: SourceCase) throws {
        let pattern = try SourcePattern.parse(c.pattern).get()
        #expect(pattern.admits(c.url) == c.admitted)
        let policy = DestinationPolicy(allowedSources: [pattern])
        let verdict = policy.checkCoordinatorTarget(url: c.url)
        if c.admitted {
            #expect(verdict == .allowed)
        } else {
            guard case .forbidden(let reason) = verdict else { Issue.record("allowed"); return }
            #expect(reason.contains("network.allowed_sources"), "\(reason)")
        }
    }

    @Test func emptyAllowedSourcesAdmitsNoCoordinatorTarget() {
        let verdict = DestinationPolicy().checkCoordinatorTarget(url: "https://tuf-repo-cdn.sigstore.dev")
        #expect(verdict == .forbidden(
            "coordinator-supplied target https://tuf-repo-cdn.sigstore.dev not probed: network.allowed_sources is empty"))
    }

    @Test func anyPatternMayAdmit() throws {
        let policy = DestinationPolicy(allowedSources: [
            try SourcePattern.parse("notary.example.com").get(), try SourcePattern.parse("https://tuf.example.org/m").get(),
        ])
        #expect(policy.checkCoordinatorTarget(url: "https://notary.example.com") == .allowed)
        #expect(policy.checkCoordinatorTarget(url: "https://tuf.example.org/m/x") == .allowed)
        #expect(policy.checkCoordinatorTarget(url: "https://tuf.example.org/n") != .allowed)
    }

    @Test(arguments: [
        "", "*", "*.", "**.example.com", "a.*.example.com", "example.*", "exa mple.com", "example..com", ".example.com",
        "-bad.example.com", "example.com:0", "example.com:99999", "example.com:http", "https://*.example.com",
        "https://host/path?query", "ftp://host", "https://user@host", "https://host/a/../b", "[::1", "[not-v6]",
        "ex\u{e4}mple.com", "https://host/metadata/%2e%2e", "https://host/a%2Fb", "https://host/a%5cb", "https://host/a%",

    ])
    func badPatternIsRejected(_ text: String) {
        guard case .failure(let error) = SourcePattern.parse(text) else {
            Issue.record("\(text) accepted")
            return
        }
        #expect(!error.reason.isEmpty)
    }

    // MARK: - every request of a coordinator-supplied target (issue 22 item 6)

    static let requestPatterns = ["https://registry.example.com/v2", "auth.example.com", "https://cdn.example.net/tuf"]

    static let requestCases: [(url: String, admitted: Bool)] = [
        // A token realm carries a query: the rest of the URL is what must match.
        ("https://auth.example.com/token?service=registry&scope=repository:a/b:pull", true),
        ("https://auth.example.com:8443/token?service=registry", false),
        ("https://auth.example.com.evil.net/token?service=registry", false),
        ("https://169.254.169.254/latest/meta-data?x=1", false),
        // Redirect hops.
        ("https://cdn.example.net/tuf/2.root.json", true),
        ("https://cdn.example.net/tuf/%2e%2e/other/2.root.json", false),
        ("https://cdn.example.net/tuf-other/2.root.json", false),
        ("https://registry.example.com/v2/a/b/_trust/tuf/root.json", true),
        ("https://registry.example.com/v3/x", false),
        ("http://auth.example.com/token", false),
        ("not a url", false),
    ]

    @Test(arguments: requestCases)
    func coordinatorRequest(_ url: String, _ admitted: Bool) throws {
        let policy = DestinationPolicy(allowedSources: try Self.requestPatterns.map { try SourcePattern.parse($0).get() })
        let verdict = policy.checkCoordinatorRequest(url: url)
        if admitted {
            #expect(verdict == .allowed)
        } else {
            guard case .forbidden(let reason) = verdict else { Issue.record("allowed"); return }
            #expect(reason.contains("matches no pattern of network.allowed_sources"), "\(reason)")
        }
    }

    @Test func requestRefusalNamesTheHostAndTheRule() throws {
        let policy = DestinationPolicy(allowedSources: [try SourcePattern.parse("registry.example.com").get()])
        #expect(policy.checkCoordinatorRequest(url: "https://auth.example.org/token?service=x") == .forbidden(
            "host auth.example.org matches no pattern of network.allowed_sources, which every request for a coordinator-supplied target must match"))
        #expect(DestinationPolicy().checkCoordinatorRequest(url: "https://registry.example.com/v2") != .allowed, "empty admits nothing")
    }

    @Test func serverTextInReasonsIsClipped() {
        let long = "https://" + String(repeating: "a", count: 500) + ".example/\u{1b}[31m"
        guard case .forbidden(let reason) = DestinationPolicy().checkCoordinatorTarget(url: long) else {
            Issue.record("allowed")
            return
        }
        #expect(reason.count < 320)
        #expect(!reason.unicodeScalars.contains { $0.value < 0x20 })
    }
}
