import Foundation

/// Whether a request goes through the proxy, following `NO_PROXY` conventions (curl, Go): a comma-separated list
/// of host names, domain suffixes (`.example.org` or `example.org` also matching subdomains), IP addresses, CIDR
/// ranges (`10.0.0.0/8`, `fd00::/8`), optional `:port`, and `*` for everything.
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
        let address = IPAddress(literal: host)
        for entry in entries {
            if entry == "*" { return true }
            var name = entry
            if let colon = entry.lastIndex(of: ":"), !entry.contains("]"), entry.filter({ $0 == ":" }).count == 1 {
                name = String(entry[..<colon])
                if let entryPort = Int(entry[entry.index(after: colon)...]), entryPort != port { continue }
            }
            name = name.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if let address, let range = AddressRange(name) {
                if range.contains(address) { return true }
                continue
            }
            if name.hasPrefix("*.") { name.removeFirst() }
            if name.hasPrefix(".") {
                if host.hasSuffix(name) || host == String(name.dropFirst()) { return true }
            } else if host == name || host.hasSuffix("." + name) {
                return true
            }
        }
        return false
    }

    /// An address or `address/bits` entry.
    struct AddressRange {
        var base: IPAddress
        var bits: Int

        init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let base = IPAddress(literal: parts[0]) else { return nil }
            let width = base.bytes.count * 8
            if parts.count == 2 {
                guard let bits = Int(parts[1]), (0...width).contains(bits) else { return nil }
                self.bits = bits
            } else {
                bits = width
            }
            self.base = base
        }

        func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == base.bytes.count else { return false }
            for bit in 0..<bits {
                let mask = UInt8(0x80) >> UInt8(bit % 8)
                if address.bytes[bit / 8] & mask != base.bytes[bit / 8] & mask { return false }
            }
            return true
        }
    }
}
