import Foundation

/// HTTP basic credentials (a user of the token server; a docker `config.json` `auths` entry on the agent's side).
public struct RegistryCredentials: Sendable, Equatable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// `user:password`, as skopeo's `--creds` and curl's `--user` take it.
    public var pair: String { "\(user):\(password)" }
}

/// One request the token server answered (a line of its log).
public struct TokenRequest: Sendable, Equatable, Decodable {
    /// The request path (`/token` for the realm).
    public var path: String
    /// The `service` query parameter.
    public var service: String
    /// The `scope` query parameters (`repository:NAME:pull`).
    public var scopes: [String]
    /// The HTTP basic user sent, if any.
    public var user: String?
    /// The status answered (200, or 401 when credentials are required and missing or wrong).
    public var status: Int
}

/// `Tests/Support/registry_token_server.py` on 127.0.0.1 over HTTPS: the realm of a token-auth registry. It makes a
/// fresh ES256 signing key at start and writes its certificate to ``signingCertificate`` (the registry's
/// `rootcertbundle`).
final class RegistryTokenServer: @unchecked Sendable {
    static let issuer = "vantage-test-token"
    let child: ChildProcess
    let port: Int
    let signingCertificate: String
    let log: String

    init(scratch: Scratch, certificate: String, key: String, credentials: RegistryCredentials?) async throws {
        signingCertificate = scratch.file("token-signer.crt")
        log = scratch.file("token-requests.jsonl")
        var arguments = [
            PackagePaths.support("registry_token_server.py"), "--cert", certificate, "--key", key, "--signing-cert-out", signingCertificate,
            "--log", log, "--issuer", Self.issuer, "--watch-stdin",
        ]
        if let credentials { arguments += ["--credentials", credentials.pair] }
        child = try ChildProcess("/usr/bin/python3", arguments, stderrPath: scratch.file("token-server.log"))
        guard let port = Int((try? await child.firstLine()) ?? "") else {
            child.stop()
            let log = (try? String(contentsOfFile: scratch.file("token-server.log"), encoding: .utf8)) ?? ""
            throw TestFailure("the registry token server did not start: \(log.suffix(2000))")
        }
        self.port = port
    }

    var realm: String { "https://127.0.0.1:\(port)/token" }

    /// Every request answered so far, in order.
    func requests() throws -> [TokenRequest] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(TokenRequest.self, from: Data($0.utf8)) }
    }
}
