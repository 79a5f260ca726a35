import Foundation
import VantageTestSupport

/// `Tests/Support/testserver.py` on 127.0.0.1 (HTTPS when given a certificate), serving `directory`.
final class TestServer: @unchecked Sendable {
    let server: BackgroundServer
    let scheme: String

    init(directory: String, certificate: (cert: String, key: String)? = nil) async throws {
        var arguments = ["/usr/bin/python3", PackagePaths.testServer, "--dir", directory, "--quiet", "--watch-stdin"]
        if let certificate { arguments += ["--cert", certificate.cert, "--key", certificate.key] }
        server = try await BackgroundServer(arguments)
        scheme = certificate == nil ? "http" : "https"
    }

    var port: Int { server.port }
    var base: String { "\(scheme)://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { base + path }
    func stop() { server.stop() }
}

/// TLS material made with the testbed script: a CA and a server certificate for 127.0.0.1 / localhost.
struct TestCertificates {
    let caFile: String
    let cert: String
    let key: String

    /// Creates a CA and server certificate under `directory`.
    static func make(in directory: String) async throws -> TestCertificates {
        let result = try await runCommand("/bin/bash", [PackagePaths.notaryScript, "certs", directory])
        guard result.status == 0 else { throw TestFailure("notary.sh certs failed: \(result.output)") }
        return TestCertificates(caFile: directory + "/ca/ca.crt", cert: directory + "/tls/server.crt", key: directory + "/tls/server.key")
    }
}
