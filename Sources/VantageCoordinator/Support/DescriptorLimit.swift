#if canImport(Glibc)
import Glibc
private let openFiles = Int32(RLIMIT_NOFILE.rawValue)
#elseif canImport(Darwin)
import Darwin
private let openFiles = RLIMIT_NOFILE
#endif

/// The process's open-file limit against `listen.max_connections`: each connection holds a descriptor, and the
/// database, the mirror writer and alert deliveries need some of their own.
enum DescriptorLimit {
    /// Descriptors kept for everything but client connections.
    static let reserve = 256

    /// Raises the soft `RLIMIT_NOFILE` towards the hard limit until `connections` plus ``reserve`` fit, and returns
    /// the connection cap that fits (`connections`, or less when even the hard limit is lower).
    static func fit(connections: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return connections }
        let wanted = rlim_t(connections + reserve)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(openFiles, &raised) == 0 { limit = raised }
        }
        return min(connections, max(1, Int(clamping: limit.rlim_cur) - reserve))
    }
}
