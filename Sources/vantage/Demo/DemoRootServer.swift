import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A loopback HTTP server for the demo that serves root metadata from memory: the publishers' genuine server,
/// and an interceptor on one agent's path that serves forged roots where it has them and passes the rest on.
final class DemoRootServer: Sendable {
    private let files = Mutex<[String: [UInt8]]>([:])
    /// Where misses are looked up (the interceptor's upstream).
    let upstream: DemoRootServer?

    init(upstream: DemoRootServer? = nil) {
        self.upstream = upstream
    }

    func put(_ path: String, _ bytes: [UInt8]) { files.withLock { $0[path] = bytes } }
    func removeAll() { files.withLock { $0.removeAll() } }

    func lookup(_ path: String) -> [UInt8]? {
        files.withLock { $0[path] } ?? upstream?.lookup(path)
    }

    /// The Hummingbird application; `onPort` receives the bound port.
    func application(logger: Logger, onPort: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard let bytes = self.lookup(request.uri.path) else { return Response(status: .notFound) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "vantage-demo-roots"),
            onServerRunning: { channel in await onPort(channel.localAddress?.port ?? 0) }, logger: logger)
    }
}
