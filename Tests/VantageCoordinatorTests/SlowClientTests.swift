import Foundation
import GRDB
import VantageTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
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

/// Connection deadlines and the connection cap (``ConnectionLimits``): a client that dribbles its request head or
/// body keeps the idle timer from firing, so without them it would hold a connection for ever; the cap keeps
/// descriptors for everyone else.
@Suite struct ConnectionLimitTests {
    /// Sends `text` one byte every `pause` on `socket` until it is sent or the server closes the connection.
    static func dribble(_ text: String, on socket: RawSocket, pause: Duration) -> Task<Void, Never> {
        Task {
            for byte in text where !Task.isCancelled {
                guard (try? socket.send(String(byte))) != nil else { return }
                try? await Task.sleep(for: pause)
            }
        }
    }

    /// The value of `series` in `/metrics` text, 0 without it.
    static func metric(_ text: String, _ series: String) -> Int {
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// The value of `series` in `/metrics`, read through the test client.
    static func metric(_ client: some TestClientProtocol, _ series: String) async throws -> Int {
        try await client.execute(uri: "/metrics", method: .get) { metric(String(buffer: $0.body), series) }
    }

    /// The value of `series` in `/metrics`, read on a new connection (the test client's own may have been closed
    /// by a deadline of the test).
    static func metric(port: Int, _ series: String) async throws -> Int { metric(try await get(port: port, "/metrics"), series) }

    /// A head long enough that, one byte every 100 ms, it outlasts any deadline of these tests.
    static let endlessHead = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + String(repeating: "a", count: 600) + "\r\n\r\n"

    @Test func dribbledHeadsAreClosedWhileOthersAreServed() async throws {
        let c = try await TestCoordinator { $0.headerTimeoutSeconds = 1 }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            let sockets = try (0..<5).map { _ in try RawSocket(port: port) }
            let dribblers = sockets.map { Self.dribble(Self.endlessHead, on: $0, pause: .milliseconds(100)) }
            defer { dribblers.forEach { $0.cancel() } }
            // Served while the dribblers hold their connections.
            #expect(try await Self.get(port: port, "/livez").hasPrefix("HTTP/1.1 200"))
            for socket in sockets {
                #expect(try await socket.receive().isEmpty, "closed without an answer when the head deadline passed")
            }
            #expect(try await Self.metric(port: port, #"vantage_http_connections_timed_out_total{phase="head"}"#) >= 5)
        }
    }

    @Test func slowHeadWithinTheDeadlineIsServed() async throws {
        let c = try await TestCoordinator { $0.headerTimeoutSeconds = 30 }
        try await c.coordinator.application.test(.live) { client in
            let socket = try RawSocket(port: try #require(client.port))
            let head = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            await Self.dribble(head, on: socket, pause: .milliseconds(20)).value
            #expect(try await socket.receive().hasPrefix("HTTP/1.1 200"))
            #expect(try await Self.metric(port: socket.port, "vantage_http_connections_timed_out_total") == 0)
        }
    }

    @Test func dribbledBodyOfARouteThatDoesNotReadItIsClosed() async throws {
        let c = try await TestCoordinator { $0.bodyTimeoutSeconds = 1 }
        try await c.coordinator.application.test(.live) { client in
            let socket = try RawSocket(port: try #require(client.port))
            try socket.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 600\r\n\r\n")
            let dribbler = Self.dribble(String(repeating: "a", count: 600), on: socket, pause: .milliseconds(100))
            defer { dribbler.cancel() }
            // The route answers at once; the connection is closed when the body deadline passes, not after 60 s.
            #expect(try await socket.receive().hasPrefix("HTTP/1.1 200"))
            #expect(try await Self.metric(port: socket.port, #"vantage_http_connections_timed_out_total{phase="body"}"#) == 1)
        }
    }

    @Test func connectionsBeyondTheCapAreClosedAtOnce() async throws {
        let c = try await TestCoordinator { $0.maxConnections = 3 }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            // Connections answered once each (so each is surely counted before the next connects) until one is
            // closed unanswered: the cap is 3, the test client's own connection may be one of them.
            var held: [RawSocket] = []
            var refused = false
            while !refused, held.count <= 3 {
                let socket = try RawSocket(port: port)
                try? socket.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let answer = try await socket.receiveSome()
                if answer.hasPrefix("HTTP/1.1 200") { held.append(socket) } else { refused = answer.isEmpty }
            }
            #expect(refused && (2...3).contains(held.count), "closed on accept, long before the 10 s head deadline")
            // A freed slot serves again.
            held.removeLast()
            #expect(try await Self.get(port: port, "/livez").hasPrefix("HTTP/1.1 200"))
            held.removeAll()
            #expect(try await Self.metric(port: port, "vantage_http_connections_refused_total") >= 1)
        }
    }

    /// A client that asks for a response larger than the socket buffers and stops reading is closed when the response
    /// deadline passes (the response waits for it, and Hummingbird's idle timer is off meanwhile); the same request
    /// read at once gets the whole response.
    @Test func stalledReaderOfALargeResponseIsClosed() async throws {
        let c = try await TestCoordinator { $0.responseTimeoutSeconds = 5 }
        // Twice the largest loopback send buffer (tcp_wmem, 4 MiB by default): it cannot all be written unread.
        let size = 8 << 20
        let name = String(repeating: "ab", count: 32)
        try await c.coordinator.database.writer.write { db in
            try db.execute(sql: "INSERT INTO blobs(sha256, bytes) VALUES (?, ?)", arguments: [name, Data(repeating: 0x61, count: size)])
        }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            let request = "GET \(APIPath.blobs)/\(name) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            let reader = try RawSocket(port: port)
            try reader.send(request)
            let whole = try await reader.receive()
            #expect(whole.hasPrefix("HTTP/1.1 200") && whole.hasSuffix("\r\n\r\n" + String(repeating: "a", count: size)))
            #expect(try await Self.metric(port: port, #"vantage_http_connections_timed_out_total{phase="response"}"#) == 0)

            let staller = try RawSocket(port: port, receiveBuffer: 4096)
            try staller.send(request)
            var closed = 0
            for _ in 0..<600 where closed == 0 {
                try await Task.sleep(for: .milliseconds(100))
                closed = try await Self.metric(port: port, #"vantage_http_connections_timed_out_total{phase="response"}"#)
            }
            #expect(closed == 1)
            #expect(try await staller.receive().utf8.count < size, "the connection ended before the whole body")
        }
    }

    /// `GET path` on a new connection, tried again while the server still counts closed connections against the cap
    /// (it sees a close asynchronously).
    static func get(port: Int, _ path: String) async throws -> String {
        for _ in 0..<100 {
            let socket = try RawSocket(port: port)
            try? socket.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let answer = try await socket.receive()
            if !answer.isEmpty { return answer }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("GET \(path): every connection was closed")
    }
}

/// A blocking TCP client socket on 127.0.0.1 with a 30 s receive timeout, for requests no HTTP client would send.
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int

    /// - Parameter receiveBuffer: `SO_RCVBUF` in bytes (set before connecting, so the window stays small), or `nil`
    ///   for the system's.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size)) }
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

    /// What the first read returns (part of an answer on a connection kept open), or what a closed connection gives.
    func receiveSome() async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(self.fd, &buffer, buffer.count, 0)
                continuation.resume(returning: String(decoding: buffer[0..<max(0, n)], as: UTF8.self))
            }
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
