import Foundation
import VantageTestSupport
import Logging
import Synchronization
import VantageAgent
import VantageClient
import VantageCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP socket listening on 127.0.0.1 that never answers: the kernel completes every handshake into the backlog,
/// so ``connectionsReceived()`` tells whether anything connected at all.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw TestFailure("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts (and closes) every connection waiting in the backlog; returns how many there were.
    func connectionsReceived() -> Int {
        var count = 0
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return count }
            Glibc.close(client)
            count += 1
        }
    }

    func url(_ scheme: String = "http", _ path: String = "") -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    func close() { Glibc.close(fd) }
}

/// A resolver answering from a table (so `localhost`, reached through the system resolver when connecting, can
/// look public to the destination check); unknown names fail as `dns`.
struct StubResolver: HostResolving {
    var table: [String: [IPAddress]]

    func addresses(of host: String) async throws -> [IPAddress] {
        guard let addresses = table[host.lowercased()] else { throw ObservationError(.dns, "no stub entry for \(host)") }
        return addresses
    }

    /// `localhost` presented as a public address.
    static let localhostLooksPublic = StubResolver(table: ["localhost": [IPAddress(literal: "93.184.215.14")!]])
}

/// Records log messages with their metadata (swift-log's InMemoryLogHandler is not a dependency here).
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    final class Store: Sendable {
        let records = Mutex<[Record]>([])
        var all: [Record] { records.withLock { $0 } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(store: Store) { self.store = store }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.records.withLock {
            $0.append(Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }

    /// A logger recording into a fresh store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test") { _ in RecordingLogHandler(store: store) }, store)
    }
}
