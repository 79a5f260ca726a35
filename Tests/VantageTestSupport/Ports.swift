import Foundation
import Synchronization

/// Ports this test process has handed out, never handed out twice.
private let handedOut = Mutex<Set<Int>>([])

/// A TCP port on 127.0.0.1 that was free a moment ago, below Linux's ephemeral range (32768–60999): a port the
/// kernel picks for `bind(0)` is also the local port of the next outgoing connection, so a test that names its port
/// long before binding it (a webhook receiver started later, a coordinator restarted on its port) lost it to some
/// other test's connection (CI, 2026-12-08: EADDRINUSE). Ports are drawn at random from 20000–32767, each once a
/// process, and checked bindable; another process may still take one before the caller binds it, so callers that
/// start a server on it at once retry on another port when the bind fails.
public func freePort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 20_000..<32_768)
        guard handedOut.withLock({ $0.insert(port).inserted }), canBind(port) else { continue }
        return port
    }
    throw TestFailure("no bindable port left in 20000–32767")
}

/// Whether 127.0.0.1:`port` can be bound now.
private func canBind(_ port: Int) -> Bool { withLoopbackSocket(port) { fd, address, length in bind(fd, address, length) } == 0 }

/// Whether something accepts TCP connections on 127.0.0.1:`port` now.
public func acceptsConnections(_ port: Int) -> Bool {
    withLoopbackSocket(port) { fd, address, length in connect(fd, address, length) } == 0
}

/// `body` with a new TCP socket and the address 127.0.0.1:`port`; the socket is closed afterwards. -1 when no
/// socket could be made.
private func withLoopbackSocket(_ port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
