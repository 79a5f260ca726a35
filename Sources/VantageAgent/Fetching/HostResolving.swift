import Dispatch
import Synchronization
import VantageClient
import VantageCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name to every address it has, so ``DestinationPolicy`` can judge them before a connection.
/// Implementations throw only ``VantageCore/ObservationError`` (`dns`).
public protocol HostResolving: Sendable {
    /// Every IPv4 and IPv6 address of `host` (a name, never a literal address).
    func addresses(of host: String) async throws -> [IPAddress]
}

/// ``HostResolving`` with the system resolver (`getaddrinfo`, as NIO uses to connect), on a thread of its own so
/// a slow resolver blocks no task; a cancelled lookup returns at once and its thread finishes alone.
public struct SystemHostResolver: HostResolving {
    public init() {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        let pending = PendingLookup()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending.set(continuation)
                if Task.isCancelled {
                    pending.resume(with: .failure(CancellationError()))
                    return
                }
                DispatchQueue.global().async {
                    pending.resume(with: Result { try Self.lookup(host) })
                }
            }
        } onCancel: {
            pending.resume(with: .failure(CancellationError()))
        }
    }

    /// The continuation of one lookup, resumed exactly once: by the lookup or by cancellation, whichever is first.
    final class PendingLookup: Sendable {
        let continuation = Mutex<CheckedContinuation<[IPAddress], any Error>?>(nil)
        func set(_ value: CheckedContinuation<[IPAddress], any Error>) {
            continuation.withLock { $0 = value }
        }

        func resume(with result: Result<[IPAddress], any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }

    static func lookup(_ host: String) throws(ObservationError) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            let text = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw ObservationError(.dns, "cannot resolve \(ServerText.clip(host, limit: 100)) to check its addresses: \(text)")
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var node = list
        while let current = node {
            if let socketAddress = current.pointee.ai_addr, let address = IPAddress(socketAddress: socketAddress),
                !addresses.contains(address)
            {
                addresses.append(address)
            }
            node = current.pointee.ai_next
        }
        return addresses
    }
}
