import Testing
import VantageClient

/// The host's proxy and CA variables read as curl reads them (``HostNetwork``): which variable wins, which URL goes
/// through which proxy, and what is refused, with the name of the variable that was wrong.
@Suite("Host network settings (pure)")
struct HostNetworkTests {
    static let readable: Set<String> = ["/ca.pem", "/other.pem", "/certs"]
    func network(_ environment: [String: String], caBundle: String? = nil) throws -> HostNetwork {
        try HostNetwork(environment: environment, caBundle: caBundle, isReadable: { Self.readable.contains($0) })
    }
    func proxy(_ url: String, _ environment: [String: String]) throws -> String? {
        try network(environment).proxy(for: url)?.description
    }

    @Test("which proxy a URL goes through", arguments: [
        // name, environment, url, expected proxy
        ("https_proxy for https", ["https_proxy": "http://p:3128"], "https://a.example/x", "p:3128"),
        ("HTTPS_PROXY for https", ["HTTPS_PROXY": "p:3128"], "https://a.example/x", "p:3128"),
        ("lower case wins", ["https_proxy": "lower:1", "HTTPS_PROXY": "upper:2"], "https://a.example/x", "lower:1"),
        ("empty is unset", ["https_proxy": "", "HTTPS_PROXY": "upper:2"], "https://a.example/x", "upper:2"),
        ("https proxy not for http", ["https_proxy": "p:3128"], "http://a.example/x", nil),
        ("http_proxy for http", ["http_proxy": "q:8080"], "http://a.example/x", "q:8080"),
        ("HTTP_PROXY for http", ["HTTP_PROXY": "q:8080"], "http://a.example/x", "q:8080"),
        ("http proxy not for https", ["http_proxy": "q:8080"], "https://a.example/x", nil),
        ("all_proxy when unset", ["ALL_PROXY": "r:9"], "https://a.example/x", "r:9"),
        ("all_proxy only as fallback", ["all_proxy": "r:9", "https_proxy": "p:1"], "https://a.example/x", "p:1"),
        ("default port 1080", ["https_proxy": "http://p"], "https://a.example/x", "p:1080"),
        ("IPv6 proxy", ["https_proxy": "http://[fd00::1]:3128"], "https://a.example/x", "[fd00::1]:3128"),
        ("no_proxy name", ["https_proxy": "p:1", "no_proxy": "a.example"], "https://a.example/x", nil),
        ("no_proxy subdomain", ["https_proxy": "p:1", "NO_PROXY": ".example"], "https://a.example/x", nil),
        ("no_proxy other host", ["https_proxy": "p:1", "no_proxy": "b.example"], "https://a.example/x", "p:1"),
        ("no_proxy port", ["https_proxy": "p:1", "no_proxy": "a.example:8443"], "https://a.example/x", "p:1"),
        ("no_proxy CIDR", ["https_proxy": "p:1", "no_proxy": "10.0.0.0/8"], "https://10.2.3.4/x", nil),
        ("no_proxy CIDR miss", ["https_proxy": "p:1", "no_proxy": "10.0.0.0/8"], "https://11.2.3.4/x", "p:1"),
        ("no_proxy IPv6 CIDR", ["https_proxy": "p:1", "no_proxy": "fd00::/8"], "https://[fd12::1]/x", nil),
        ("no_proxy *", ["https_proxy": "p:1", "no_proxy": "*"], "https://a.example/x", nil),
        ("loopback is proxied, as curl does", ["https_proxy": "p:1"], "https://127.0.0.1:8443/x", "p:1"),
    ] as [(String, [String: String], String, String?)])
    func route(_ name: String, _ environment: [String: String], _ url: String, _ expected: String?) throws {
        #expect(try proxy(url, environment) == expected, "\(name)")
    }

    @Test("credentials are parsed, percent-decoded, and never printed")
    func credentials() throws {
        let parsed = try network(["https_proxy": "http://ci%40corp:p%3Ass@p:3128"]).httpsProxy
        #expect(parsed?.credentials == ProxyURL.Credentials(username: "ci@corp", password: "p:ss"))
        #expect(parsed?.description == "p:3128")
        // Control: without credentials there are none.
        #expect(try network(["https_proxy": "http://p:3128"]).httpsProxy?.credentials == nil)
    }

    @Test("a proxy curl would not use is refused, naming the variable and hiding a password", arguments: [
        ("https_proxy", "socks5://p:1080", "socks5://p proxies are not supported"),
        ("HTTPS_PROXY", "https://p:3128", "https://p proxies are not supported"),
        ("http_proxy", "http://", "is not an http://"),
        ("https_proxy", "http://user:secret@p:3128/path", "user:***@p:3128/path"),
        ("ALL_PROXY", "http://p:notaport", "is not an http://"),
    ])
    func refusedProxy(_ variable: String, _ value: String, _ message: String) throws {
        let error = #expect(throws: ClientError.self) { try network([variable: value]) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.reason.hasPrefix("\(variable): ") == true, "\(String(describing: error))")
        #expect(error?.reason.contains(message) == true, "\(String(describing: error))")
        #expect(error?.reason.contains("secret") == false)
    }

    @Test("trust: an explicit bundle first, then CURL_CA_BUNDLE, then SSL_CERT_FILE/SSL_CERT_DIR, else the system", arguments: [
        ("none", [:], nil, HTTPClientFactory.Trust.system(extra: nil)),
        ("explicit bundle over every variable", ["CURL_CA_BUNDLE": "/ca.pem", "SSL_CERT_FILE": "/unreadable"], "/x.pem", .system(extra: "/x.pem")),
        ("CURL_CA_BUNDLE replaces", ["CURL_CA_BUNDLE": "/ca.pem", "SSL_CERT_FILE": "/other.pem"], nil, .only(file: "/ca.pem", directory: nil)),
        ("SSL_CERT_FILE replaces", ["SSL_CERT_FILE": "/ca.pem"], nil, .only(file: "/ca.pem", directory: nil)),
        ("SSL_CERT_DIR replaces", ["SSL_CERT_DIR": "/certs"], nil, .only(file: nil, directory: "/certs")),
        ("both OpenSSL variables", ["SSL_CERT_FILE": "/ca.pem", "SSL_CERT_DIR": "/certs"], nil, .only(file: "/ca.pem", directory: "/certs")),
        ("lower case too", ["ssl_cert_file": "/ca.pem"], nil, .only(file: "/ca.pem", directory: nil)),
        ("empty is unset", ["CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "/ca.pem"], nil, .only(file: "/ca.pem", directory: nil)),
    ] as [(String, [String: String], String?, HTTPClientFactory.Trust)])
    func trust(_ name: String, _ environment: [String: String], _ caBundle: String?, _ expected: HTTPClientFactory.Trust) throws {
        #expect(try network(environment, caBundle: caBundle).trust == expected, "\(name)")
    }

    @Test("a CA variable naming nothing readable is refused, not ignored", arguments: ["CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"])
    func unreadableCA(_ variable: String) throws {
        let error = #expect(throws: ClientError.self) { try network([variable: "/missing.pem"]) }
        #expect(error?.reason == "\(variable)=/missing.pem: cannot read it")
        // Control: the same variable naming a readable file is taken.
        #expect(try network([variable: variable == "SSL_CERT_DIR" ? "/certs" : "/ca.pem"]).trust != .system(extra: nil))
    }

    @Test("the agent reads the proxy variables only, never the CA ones")
    func proxiesOnly() throws {
        let network = try HostNetwork.proxies(["HTTPS_PROXY": "p:3128", "SSL_CERT_FILE": "/missing.pem", "NO_PROXY": "a.example"])
        #expect(network.httpsProxy?.description == "p:3128")
        #expect(network.trust == .system(extra: nil))
        #expect(network.proxy(for: "https://a.example/") == nil)
    }
}
