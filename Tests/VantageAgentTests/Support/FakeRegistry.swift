import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import VantageCore
import VantageTUF
import VantageTestSupport

/// A registry stand-in on 127.0.0.1 (in process; plain HTTP, or HTTPS with ``TestCertificates`` for the real agent,
/// which reaches an image's registry over https only) for what a real registry will not do: a
/// `Docker-Content-Digest` that lies, 429s, an oversized manifest, a token realm on another server. It serves one
/// manifest at `/v2/**/manifests/*` (GET and HEAD) as ``Behaviour`` says, a token endpoint at `/token`, and
/// records every request it gets (``hits()``).
final class FakeRegistry: @unchecked Sendable {
    /// How the next requests are answered; tests change it between fetches (``set(_:)``).
    struct Behaviour: Sendable {
        var manifest = FakeRegistry.manifest()
        var contentType = "application/vnd.oci.image.manifest.v1+json"
        /// `Docker-Content-Digest` of a HEAD / GET answer: `nil` sends the true digest of ``manifest``, `""` none.
        var headDigest: String?
        var getDigest: String?
        /// Answer every manifest request with this status instead (a 429 with ``retryAfter``).
        var status: Int?
        var retryAfter: String?
        /// Manifest requests need `Bearer fake-token`; a 401 names this realm.
        var realm: String?
        /// Manifest requests need these HTTP basic credentials (`user:password`); a 401 asks for `Basic`.
        var basic: String?
        /// `/token` answers only requests with these HTTP basic credentials (`user:password`).
        var tokenBasic: String?
    }

    /// One request as received.
    struct Hit: Sendable, Hashable {
        var method: String
        var path: String
        var authorization: String?
    }

    actor State {
        var behaviour = Behaviour()
        var hits: [Hit] = []

        func set(_ behaviour: Behaviour) { self.behaviour = behaviour }
        func record(_ hit: Hit) -> Behaviour {
            hits.append(hit)
            return behaviour
        }
    }

    static let token = "fake-token"

    let state = State()
    let port: Int
    let scheme: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(tls: TestCertificates? = nil) async throws {
        let state = state
        let router = Router()
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/v2/**", method: method) { request, _ -> Response in
                let behaviour = await state.record(Self.hit(request))
                return Self.manifestAnswer(request, behaviour)
            }
        }
        router.get("/token") { request, _ -> Response in
            let behaviour = await state.record(Self.hit(request))
            if let expected = behaviour.tokenBasic, request.headers[.authorization] != Self.basicHeader(expected) {
                return Response(status: .unauthorized)
            }
            return Self.body(.ok, Array(#"{"token":"\#(Self.token)"}"#.utf8), [.contentType: "application/json"])
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-registry")
        logger.logLevel = .critical
        scheme = tls == nil ? "http" : "https"
        let app = Application(
            router: router, server: try tls.map { try .tls(.http1(), tlsConfiguration: Self.serverTLS($0)) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        group = ServiceGroup(services: [app], logger: logger)
        let group = group
        task = Task {
            // A server that cannot start (a bad certificate) ends the wait for its port instead of hanging it.
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
        if port == 0 {
            let task = task
            throw TestFailure("fake registry did not start: \(await task.result)")
        }
    }

    /// `http(s)://127.0.0.1:PORT`, the API base URL.
    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    /// This server's token endpoint, as a realm.
    var realm: String { url + "/token" }

    func set(_ behaviour: Behaviour) async { await state.set(behaviour) }
    func hits() async -> [Hit] { await state.hits }
    /// Requests with `method` to a manifest.
    func manifestHits(_ method: String) async -> Int { await hits().filter { $0.method == method && $0.path.hasPrefix("/v2/") }.count }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Runs `body` with a registry, stopping it afterwards whether `body` throws or not.
    static func with<T>(tls: TestCertificates? = nil, _ body: (FakeRegistry) async throws -> T) async throws -> T {
        let registry = try await FakeRegistry(tls: tls)
        do {
            let result = try await body(registry)
            await registry.stop()
            return result
        } catch {
            await registry.stop()
            throw error
        }
    }

    /// The server side of `certificates`: its certificate for 127.0.0.1, issued by its CA.
    static func serverTLS(_ certificates: TestCertificates) throws -> TLSConfiguration {
        .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.key, format: .pem)))
    }

    /// A schema 2 OCI image manifest; `padding` spaces before the closing brace make it as large as a test needs.
    static func manifest(config: String = "1", padding: Int = 0) -> [UInt8] {
        let hex = String(repeating: config, count: 64)
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#
            + #""config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(hex)","size":2},"layers":[]"#
        return Array(text.utf8) + Array(repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "}")]
    }

    static func digest(_ bytes: [UInt8]) -> String { "sha256:" + ByteEncoding.hexEncode(SHA256.hash(data: bytes)) }

    static func basicHeader(_ userPassword: String) -> String { "Basic " + Data(userPassword.utf8).base64EncodedString() }

    static func hit(_ request: Request) -> Hit {
        Hit(method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization])
    }

    static func manifestAnswer(_ request: Request, _ behaviour: Behaviour) -> Response {
        if let realm = behaviour.realm, request.headers[.authorization] != "Bearer \(token)" {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="\#(realm)",service="fake""#])
        }
        if let basic = behaviour.basic, request.headers[.authorization] != basicHeader(basic) {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Basic realm="fake""#])
        }
        if let status = behaviour.status {
            var headers = HTTPFields()
            if let retryAfter = behaviour.retryAfter { headers[.retryAfter] = retryAfter }
            return Response(status: .init(code: status), headers: headers)
        }
        let isHead = request.method == .head
        var headers: HTTPFields = [.contentType: behaviour.contentType]
        let claimed = (isHead ? behaviour.headDigest : behaviour.getDigest) ?? digest(behaviour.manifest)
        if !claimed.isEmpty { headers[HTTPField.Name("Docker-Content-Digest")!] = claimed }
        return body(.ok, isHead ? [] : behaviour.manifest, headers)
    }

    static func body(_ status: HTTPResponse.Status, _ bytes: [UInt8], _ headers: HTTPFields) -> Response {
        Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
