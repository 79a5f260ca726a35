import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTestSupport

/// `vantage-pins` and `vantage` behind a CI host's egress proxy and private CA, set only in the environment as curl
/// reads them: through Debian's tinyproxy on loopback to a TLS mirror signed by a private CA. Each refusal has its
/// control, and the proxy's own log shows which requests went through it.
@Suite("The host's proxy and CA variables, through tinyproxy with a private CA (black box)", .timeLimit(.minutes(5)))
struct HostProxyTests {
    /// The environment of a host with no proxy and no CA variables; each case adds its own.
    static let bare: [String: String] = Dictionary(uniqueKeysWithValues: [
        "VANTAGE_COORDINATOR", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
        "no_proxy", "NO_PROXY", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ].map { ($0, "") })

    struct Setup {
        let work: URL
        let root: [UInt8]
        let ca: String
        let policy: String

        /// A published mirror under `work/www/pins` (coordinator gone), certificates under `work`, a policy naming no source.
        init(_ scratch: Scratch) async throws {
            work = scratch.url
            let fleet = try MirrorInstallTests.Fleet()
            root = fleet.root
            policy = work.appendingPathComponent("policy.json").path
            try await fleet.publish(in: work, mirror: work.appendingPathComponent("www/pins").path) { [policy] _, client in
                var trust = try await client.policy()
                trust.coordinators[0].url = nil
                trust.coordinators[0].mirrors = nil
                try Data(try Canonical.encode(trust)).write(to: URL(fileURLWithPath: policy))
            }
            let certs = try await CLI.exec("/bin/bash", [PackagePaths.notaryScript, "certs", work.path])
            try #require(certs.status == 0, "\(certs.stderr)")
            ca = work.path + "/ca/ca.crt"
        }

        /// `work` served over HTTPS with the certificate of the private CA.
        func tlsServer() async throws -> BackgroundServer {
            try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"), "--dir", work.path, "--quiet",
                                        "--watch-stdin", "--cert", work.path + "/tls/server.crt", "--key", work.path + "/tls/server.key"])
        }

        /// `vantage-pins install t/app` from `mirror` with `environment` over a bare one; the installed root, if any.
        func install(_ name: String, mirror: String, _ environment: [String: String], _ extra: [String] = []) async throws -> (CLI.Result, [UInt8]?) {
            let out = work.appendingPathComponent("out-\(name)").path
            let result = try await CLI.run(
                ["install", "t/app", "--for", "python-tuf", "--out", out, "--policy", policy, "--mirror", mirror,
                 "--state", work.appendingPathComponent("state-\(name).json").path] + extra,
                tool: "vantage-pins", environment: HostProxyTests.bare.merging(environment) { $1 })
            return (result, FileManager.default.contents(atPath: out + "/root.json").map { Array($0) })
        }
    }

    @Test("HTTPS_PROXY and SSL_CERT_FILE carry an install; NO_PROXY bypasses; a dead proxy or a missing CA fails it")
    func httpsThroughTheProxy() async throws {
        let scratch = try Scratch("vantage-host-proxy")
        defer { scratch.remove() }
        let s = try await Setup(scratch)
        let tls = try await s.tlsServer()
        let proxy = try await Tinyproxy(in: s.work.path)
        defer {
            tls.stop()
            proxy.stop()
        }
        let mirror = "https://127.0.0.1:\(tls.port)/files/www/pins"

        let (proxied, installed) = try await s.install("proxied", mirror: mirror, ["HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": s.ca])
        #expect(proxied.status == 0, "\(proxied.stderr)")
        #expect(installed == s.root)
        let tunnels = proxy.requests(to: tls.port)
        #expect(tunnels >= 1, "the install went through the proxy")

        // NO_PROXY names the mirror's host: the same install, directly (the proxy sees nothing more).
        let (direct, directRoot) = try await s.install("no-proxy", mirror: mirror,
                                                       ["https_proxy": proxy.url, "NO_PROXY": "localhost,127.0.0.0/8", "SSL_CERT_FILE": s.ca])
        #expect(direct.status == 0 && directRoot == s.root, "\(direct.stderr)")
        #expect(proxy.requests(to: tls.port) == tunnels)

        // A proxy that is down: the variable is really used (nothing installed).
        let (dead, deadRoot) = try await s.install("dead-proxy", mirror: mirror, ["HTTPS_PROXY": "http://127.0.0.1:9", "SSL_CERT_FILE": s.ca])
        #expect(dead.status != 0 && deadRoot == nil, "\(dead.stderr)")

        // The private CA only through the variable: without it, the tunnel is made and TLS refuses the mirror.
        let (untrusted, untrustedRoot) = try await s.install("no-ca", mirror: mirror, ["HTTPS_PROXY": proxy.url])
        #expect(untrusted.status != 0 && untrustedRoot == nil)
        #expect(untrusted.stderr.contains("not signed by a CA this machine trusts"), "\(untrusted.stderr)")
        #expect(proxy.requests(to: tls.port) > tunnels)

        // SSL_CERT_DIR (OpenSSL hash names) alone; CURL_CA_BUNDLE over an SSL_CERT_FILE without the CA.
        let hashed = s.work.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: hashed, withIntermediateDirectories: true)
        let hash = try await CLI.exec("/usr/bin/openssl", ["x509", "-hash", "-noout", "-in", s.ca])
        try FileManager.default.copyItem(atPath: s.ca, toPath: hashed.appendingPathComponent(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + ".0").path)
        let (byDirectory, directoryRoot) = try await s.install("cert-dir", mirror: mirror, ["HTTPS_PROXY": proxy.url, "SSL_CERT_DIR": hashed.path])
        #expect(byDirectory.status == 0 && directoryRoot == s.root, "\(byDirectory.stderr)")
        let systemBundle = "/etc/ssl/certs/ca-certificates.crt"
        let (curlFirst, curlRoot) = try await s.install("curl-ca-bundle", mirror: mirror, ["CURL_CA_BUNDLE": s.ca, "SSL_CERT_FILE": systemBundle])
        #expect(curlFirst.status == 0 && curlRoot == s.root, "\(curlFirst.stderr)")
        let (systemOnly, systemRoot) = try await s.install("system-bundle", mirror: mirror, ["SSL_CERT_FILE": systemBundle])
        #expect(systemOnly.status != 0 && systemRoot == nil, "control: SSL_CERT_FILE replaces, and this one lacks the private CA")

        // --ca-bundle comes first: the variables are not even read. Without it, an unreadable one is a usage error.
        let missing = ["SSL_CERT_FILE": s.work.path + "/missing.pem"]
        let (flag, flagRoot) = try await s.install("flag", mirror: mirror, missing, ["--ca-bundle", s.ca])
        #expect(flag.status == 0 && flagRoot == s.root, "\(flag.stderr)")
        let (unreadable, _) = try await s.install("unreadable", mirror: mirror, missing)
        #expect(unreadable.status == 64, "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("SSL_CERT_FILE=\(s.work.path)/missing.pem: cannot read it"), "\(unreadable.stderr)")

        // `vantage` (coordinator commands) takes the same route: the tunnel is made and TLS passes with the CA of
        // the variable (the test server is no coordinator, which is the error left).
        let before = proxy.requests(to: tls.port)
        let status = try await CLI.run(["status", "--coordinator", "https://127.0.0.1:\(tls.port)"],
                                       environment: Self.bare.merging(["HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": s.ca]) { $1 })
        #expect(status.status == 1 && !status.stderr.contains("TLS"), "\(status.stderr)")
        #expect(proxy.requests(to: tls.port) > before)
    }

    @Test("a proxy that demands credentials gets them from the URL in HTTPS_PROXY; http:// goes through HTTP_PROXY only")
    func credentialsAndPlainHTTP() async throws {
        let scratch = try Scratch("vantage-host-proxy-auth")
        defer { scratch.remove() }
        let s = try await Setup(scratch)
        let tls = try await s.tlsServer()
        let plain = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"), "--dir", s.work.path, "--quiet", "--watch-stdin"])
        let guarded = try await Tinyproxy(in: s.work.path, credentials: ("ci", "s3cret"))
        defer {
            tls.stop()
            plain.stop()
            guarded.stop()
        }
        let mirror = "https://127.0.0.1:\(tls.port)/files/www/pins"
        let (refused, refusedRoot) = try await s.install("no-credentials", mirror: mirror, ["HTTPS_PROXY": guarded.url, "SSL_CERT_FILE": s.ca])
        #expect(refused.status != 0 && refusedRoot == nil, "\(refused.stderr)")
        #expect(!refused.stderr.contains("s3cret"))
        let withCredentials = "http://ci:s3cret@127.0.0.1:\(guarded.port)"
        let (accepted, acceptedRoot) = try await s.install("credentials", mirror: mirror, ["HTTPS_PROXY": withCredentials, "SSL_CERT_FILE": s.ca])
        #expect(accepted.status == 0 && acceptedRoot == s.root, "\(accepted.stderr)")

        // A plain-http mirror: HTTPS_PROXY does not apply to it, HTTP_PROXY does.
        let plainMirror = "http://127.0.0.1:\(plain.port)/files/www/pins"
        let (httpsOnly, httpsOnlyRoot) = try await s.install("https-proxy-only", mirror: plainMirror, ["HTTPS_PROXY": "http://127.0.0.1:9"])
        #expect(httpsOnly.status == 0 && httpsOnlyRoot == s.root, "\(httpsOnly.stderr)")
        #expect(guarded.requests(to: plain.port) == 0)
        let (viaHTTP, viaHTTPRoot) = try await s.install("http-proxy", mirror: plainMirror, ["HTTP_PROXY": withCredentials])
        #expect(viaHTTP.status == 0 && viaHTTPRoot == s.root, "\(viaHTTP.stderr)")
        #expect(guarded.requests(to: plain.port) >= 1)
    }
}
