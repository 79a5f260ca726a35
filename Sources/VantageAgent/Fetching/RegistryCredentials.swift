import Foundation

/// One registry's HTTP basic credentials. Its descriptions never show them: a value that carries one can be printed
/// or logged, and no error message of the agent names the user or the password.
public struct RegistryCredential: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    let username: String
    let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `Basic base64(user:password)`.
    var basicHeaderValue: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    public var description: String { "(registry credentials hidden)" }
    public var debugDescription: String { description }
}

/// The `auths` of a docker `config.json` (`{"auths": {"host:port": {"auth": base64(user:password)}}}`, or
/// `username`/`password` fields): credentials by registry host. Credential helpers (`credsStore`, `credHelpers`)
/// are not run; only inline entries count.
public struct RegistryCredentials: Sendable, Hashable {
    /// By normalised host (``key(_:)``).
    let entries: [String: RegistryCredential]

    /// No credentials.
    public static let none = RegistryCredentials(entries: [:])

    /// Largest `config.json` read.
    public static let maxFileBytes = 1 << 20

    init(entries: [String: RegistryCredential]) { self.entries = entries }

    /// Reads the `auths` of a docker `config.json`. Errors name the entry, never its contents.
    public init(dockerConfig bytes: [UInt8]) throws(RegistryCredentialsError) {
        guard bytes.count <= Self.maxFileBytes else {
            throw RegistryCredentialsError("larger than \(Self.maxFileBytes) bytes")
        }
        guard let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw RegistryCredentialsError("not a JSON object")
        }
        guard let auths = top["auths"] else {
            self.init(entries: [:])
            return
        }
        guard let table = auths as? [String: Any] else { throw RegistryCredentialsError("auths is not an object") }
        var entries: [String: RegistryCredential] = [:]
        for (name, value) in table {
            let shown = "auths.\"\(ServerText.clip(name, limit: 100))\""
            guard let entry = value as? [String: Any] else { throw RegistryCredentialsError("\(shown) is not an object") }
            let credential: RegistryCredential
            if let auth = entry["auth"] as? String, !auth.isEmpty {
                guard let decoded = Data(base64Encoded: auth).flatMap({ String(data: $0, encoding: .utf8) }),
                    let colon = decoded.firstIndex(of: ":")
                else { throw RegistryCredentialsError("\(shown).auth is not base64 of user:password") }
                credential = RegistryCredential(
                    username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            } else if let username = entry["username"] as? String, let password = entry["password"] as? String {
                credential = RegistryCredential(username: username, password: password)
            } else {
                continue  // an entry a credential helper fills, or an identity token: nothing to send
            }
            guard let key = Self.key(name) else { throw RegistryCredentialsError("\(shown) does not name a registry host") }
            entries[key] = credential
        }
        self.init(entries: entries)
    }

    /// The credential for the registry whose API base URL is `url`, if any.
    public func credential(forRegistry url: String) -> RegistryCredential? {
        guard let key = Self.key(url) else { return nil }
        if let exact = entries[key] { return exact }
        // `host:443` for an https URL given without a port, and the reverse.
        guard let parsed = URLComponents(string: url.contains("://") ? url : "https://" + url), let host = parsed.host?.lowercased() else {
            return nil
        }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "http" ? 80 : 443)
        return entries[Self.dockerHub(host) + ":\(port)"] ?? entries[Self.dockerHub(host)]
    }

    /// `host[:port]`, lower-cased, of an `auths` key or a URL (`https://index.docker.io/v1/` → the Docker Hub API host).
    static func key(_ text: String) -> String? {
        guard let parsed = URLComponents(string: text.contains("://") ? text : "https://" + text), let host = parsed.host?.lowercased(),
            !host.isEmpty
        else { return nil }
        return Self.dockerHub(host) + (parsed.port.map { ":\($0)" } ?? "")
    }

    /// Docker Hub's names for its API host (`docker.io`, `index.docker.io`) → `registry-1.docker.io`.
    static func dockerHub(_ host: String) -> String {
        host == "docker.io" || host == "index.docker.io" ? "registry-1.docker.io" : host
    }
}

/// Why a docker `config.json` could not be read; the message never quotes a credential.
public struct RegistryCredentialsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
