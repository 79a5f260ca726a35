import Foundation
import VantageTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing
import VantageCore

@testable import VantageCoordinator

/// Slow and silent clients get a time limit: a body trickled byte by byte is cut off with 408 while the client is
/// still sending, an idle connection is closed, and the server keeps serving others.
@Suite struct SlowClientTests {
    @Test func tricklingBodyGets408AndStoresNothing() async throws {
        let c = try await TestCoordinator { $0.bodyTimeoutSeconds = 1 }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port)
            try socket.send("POST \(APIPath.observations) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            // One byte every 100 ms, far longer than the timeout, until the server answers.
            let trickle = Task {
                for _ in 0..<600 where !Task.isCancelled {
                    guard (try? socket.send(" ")) != nil else { return }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { trickle.cancel() }
            let head = try await socket.receive()
            #expect(head.hasPrefix("HTTP/1.1 408"), "\(head.prefix(200))")
            #expect(head.contains("\"timeout\""))
            try await client.execute(uri: "/livez", method: .get) { #expect($0.status == .ok) }
        }
        #expect(try await c.count("observations_seen") == 0)
    }

    @Test func silentConnectionIsClosed() async throws {
        let c = try await TestCoordinator { $0.idleTimeoutSeconds = 1 }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            // Nothing sent: the server closes the connection (end of stream), not the 30 s receive timeout.
            #expect(try await RawSocket(port: port).receive().isEmpty)
            // (The test client's own idle connection is closed too; a new connection is served.)
            let livez = try RawSocket(port: port)
            try livez.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(try await livez.receive().hasPrefix("HTTP/1.1 200"))
        }
    }
}

/// A blocking TCP client socket on 127.0.0.1 with a 30 s receive timeout, for requests no HTTP client would send.
final class RawSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect to port \(port) failed") }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw TestFailure("send failed") }
    }

    /// What arrives until the peer closes, or what arrived before the receive timeout. The blocking reads run on a
    /// Dispatch thread: the in-process server needs every thread of the (two-core) concurrency pool.
    func receive() async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.receiveBlocking() }) }
        }
    }

    private func receiveBlocking() throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received += buffer[0..<n]; continue }
            if n < 0, received.isEmpty, errno == EAGAIN { throw TestFailure("nothing received within the receive timeout") }
            return String(decoding: received, as: UTF8.self)
        }
    }
}
