import Foundation

/// Whether a request goes through the configured HTTPS proxy, following `NO_PROXY` conventions (curl, Go):
/// a comma-separated list of host names, domain suffixes (`.example.org` or `example.org` also matching
/// subdomains), IP addresses, optional `:port`, and `*` for everything.
public struct ProxyRule: Sendable, Hashable {
    public var entries: [String]

    /// Parses a `NO_PROXY` value.
    public init(noProxy: String?) {
        entries = (noProxy ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    /// `true` when `host` (and `port`) must be reached directly.
    public func bypasses(host: String, port: Int?) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        for entry in entries {
            if entry == "*" { return true }
            var name = entry
            if let colon = entry.lastIndex(of: ":"), !entry.contains("]"), entry.filter({ $0 == ":" }).count == 1 {
                name = String(entry[..<colon])
                if let entryPort = Int(entry[entry.index(after: colon)...]), entryPort != port { continue }
            }
            name = name.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if name.hasPrefix("*.") { name.removeFirst() }
            if name.hasPrefix(".") {
                if host.hasSuffix(name) || host == String(name.dropFirst()) { return true }
            } else if host == name || host.hasSuffix("." + name) {
                return true
            }
        }
        return false
    }
}
