import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import Synchronization

/// A loopback registry for the demo that answers the OCI distribution API for one repository from memory, over
/// https: `GET`/`HEAD /v2/<repository>/manifests/<tag or digest>` with the exact bytes, their media type as
/// `Content-Type` and their true `Docker-Content-Digest` (what distribution sends), and `GET /v2/`.
final class DemoRegistry: Sendable {
    let repository: String
    let tag: String
    private let served = Mutex<(tagged: DemoImage.Document?, byDigest: [String: DemoImage.Document])>((nil, [:]))

    init(repository: String, tag: String) {
        self.repository = repository
        self.tag = tag
    }

    /// Pushes `image` and points the tag at its index (the documents of earlier pushes stay reachable by digest).
    func push(_ image: DemoImage) {
        served.withLock { served in
            for document in [image.index] + image.manifests { served.byDigest[document.digest] = document }
            served.tagged = image.index
        }
    }

    func lookup(_ path: String) -> DemoImage.Document? {
        let prefix = "/v2/\(repository)/manifests/"
        guard path.hasPrefix(prefix) else { return nil }
        let reference = String(path.dropFirst(prefix.count))
        return served.withLock { reference == tag ? $0.tagged : $0.byDigest[reference] }
    }

    /// The Hummingbird application, serving `tls`; `onPort` receives the bound port.
    func application(tls: DemoTLS, logger: Logger, onPort: @escaping @Sendable (Int) async -> Void) throws -> some ApplicationProtocol {
        let router = Router()
        router.get("/v2/") { _, _ in
            Response(status: .ok, headers: [.init("Docker-Distribution-API-Version")!: "registry/2.0"])
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/v2/**", method: method) { request, _ -> Response in
                guard let document = self.lookup(request.uri.path) else { return Response(status: .notFound) }
                let headers: HTTPFields = [.contentType: document.mediaType, .init("Docker-Content-Digest")!: document.digest]
                let body = request.method == .head ? [] : document.bytes
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        return Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls.server),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "vantage-demo-registry"),
            onServerRunning: { channel in await onPort(channel.localAddress?.port ?? 0) }, logger: logger)
    }
}
