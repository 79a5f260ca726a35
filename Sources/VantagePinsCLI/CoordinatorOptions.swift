import ArgumentParser
import AsyncHTTPClient
import Foundation
import VantageClient
import VantageCore
import VantageSupport

/// Where the coordinator is and how to reach it, without credentials (the CI verifier's options): flags, then
/// `VANTAGE_COORDINATOR`, then the CLI config file (`${XDG_CONFIG_HOME:-~/.config}/vantage/config.json`:
/// `coordinator`, `token`, `ca_bundle`).
public struct ConnectionOptions: ParsableArguments {
    public init() {}

    @Option(help: "Coordinator base URL (env VANTAGE_COORDINATOR).")
    public var coordinator: String?

    @Option(help: "Extra CA certificates (PEM) for the coordinator's (and mirrors') TLS certificate.")
    public var caBundle: String?

    @Option(help: "CLI config file.")
    public var config: String?

    struct FileConfig: Decodable {
        var coordinator: String?
        var token: String?
        var caBundle: String?

        enum CodingKeys: String, CodingKey {
            case coordinator, token
            case caBundle = "ca_bundle"
        }
    }

    func fileConfig() throws -> FileConfig? {
        let environment = ProcessInfo.processInfo.environment
        let path = config ?? ((environment["XDG_CONFIG_HOME"] ?? (ClientPaths.home(environment) + "/.config")) + "/vantage/config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if config != nil { throw ValidationError("config file \(path) does not exist") }
            return nil
        }
        func refuse(_ why: String) -> ExitCode {
            Output.diagnostic("config file \(path): \(why)")
            return ExitStatus.config
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw refuse("cannot be read (a folder, or no permission)") }
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw refuse("not a JSON object") }
        if let unknown = ConfigKeyCheck.unknownKeys(in: top, known: ["coordinator", "token", "ca_bundle"]).first { throw refuse("\(unknown)") }
        do { return try JSONDecoder().decode(FileConfig.self, from: data) } catch {
            throw refuse("coordinator, token and ca_bundle must be strings")
        }
    }

    /// The resolved coordinator URL and where it came from (for messages), or `nil` if none was given anywhere.
    func resolvedURL(_ file: FileConfig?) -> (url: String, from: String)? {
        if let coordinator { return (coordinator, "--coordinator") }
        // Set but empty is unset (as a CI template that passes an optional input through leaves it).
        if let url = ProcessInfo.processInfo.environment["VANTAGE_COORDINATOR"], !url.isEmpty { return (url, "VANTAGE_COORDINATOR") }
        return file?.coordinator.map { ($0, "the CLI config file's coordinator") }
    }

    /// The extra CA bundle: `--ca-bundle`, else the config file's `ca_bundle`.
    func caBundlePath(_ file: FileConfig?) -> String? { caBundle ?? file?.caBundle }

    /// Checked before any connection: a typo is a usage error, not a transport error; the message names its source.
    static func checkURL(_ url: String, from: String) throws {
        guard let parts = URLComponents(string: url), ["http", "https"].contains(parts.scheme?.lowercased() ?? ""),
            !(parts.host ?? "").isEmpty, parts.query == nil, parts.fragment == nil
        else {
            throw ValidationError("\(from): \(url) is not http(s)://host[:port][/path]")
        }
    }

    /// The host's network settings (proxy and CA variables, as curl reads them), with the extra CA bundle of
    /// `--ca-bundle` or `file` first.
    func hostNetwork(_ file: FileConfig?) throws -> HostNetwork {
        try HostNetwork(environment: ProcessInfo.processInfo.environment, caBundle: caBundlePath(file))
    }

    /// Runs `body` with an HTTP client for `url` (named by `from` in messages), routed and trusting as
    /// ``hostNetwork(_:)`` says; shuts it down afterwards. One client per command: callers make one call.
    func withHTTP<T>(_ url: String, from: String, file: FileConfig?, _ body: (HTTPClient) async throws -> T) async throws -> T {
        try Self.checkURL(url, from: from)
        // A person is waiting: the first failed connection (refused, TLS, DNS) is the answer, not a retry until the deadline.
        return try await RoutedHTTPClient.with(try hostNetwork(file), options: .init(failFast: true)) { try await body($0.client(for: url)) }
    }

    /// Runs `body` with a client for the coordinator (with the token `token` picks from the config file, if any);
    /// shuts the HTTP client down afterwards. The config file is read once.
    func withClient<T>(
        token: (FileConfig?) -> String? = { _ in nil }, _ body: (CoordinatorClient) async throws -> T
    ) async throws -> T {
        let file = try fileConfig()
        let token = token(file)
        guard let (url, from) = resolvedURL(file) else {
            throw ValidationError("no coordinator: pass --coordinator or set VANTAGE_COORDINATOR")
        }
        return try await withHTTP(url, from: from, file: file) { try await body(CoordinatorClient(baseURL: url, token: token, http: $0)) }
    }
}

/// ``ConnectionOptions`` and the admin bearer token: the options of the `vantage` commands that talk to the coordinator.
public struct CoordinatorOptions: ParsableArguments {
    public init() {}

    @OptionGroup public var connection: ConnectionOptions

    @Option(help: "Admin bearer token (env VANTAGE_TOKEN).")
    public var token: String?

    /// Runs `body` with a client for the coordinator; shuts the HTTP client down afterwards.
    public func withClient<T>(_ body: (CoordinatorClient) async throws -> T) async throws -> T {
        try await connection.withClient(token: { token ?? ProcessInfo.processInfo.environment["VANTAGE_TOKEN"] ?? $0?.token }, body)
    }
}

/// Maps failures to the documented exit codes with a one-line diagnostic.
public enum Failure {
    public static func report(_ error: any Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        if let refusal = error as? PinListVerifier.Failure {
            Output.diagnostic("verification failed: \(refusal)")
            return ExitStatus.verificationFailed
        }
        if let validation = error as? ValidationError {
            Output.diagnostic(validation.message)
            return ExitStatus.usage
        }
        guard let client = error as? ClientError else {
            Output.diagnostic("\(error)")
            return ExitStatus.error
        }
        switch client.code {
        case .missingDocument:
            Output.diagnostic(client.reason)
            return ExitStatus.noInput
        case .destination:
            Output.diagnostic(client.reason)
            return ExitStatus.cannotCreate
        case .invalidRequest:
            Output.diagnostic(client.reason)
            return ExitStatus.usage
        default:
            Output.diagnostic(client.reason)
            return ExitStatus.error
        }
    }
}
