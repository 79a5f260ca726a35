#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes, with the address classes the agent refuses to connect to unless
/// `network.allow_private_addresses` is set (the agent's `DestinationPolicy`).
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Network byte order: `10.0.0.1` is `0x0A00_0001`.
    case v4(UInt32)
    /// The 16 address bytes.
    case v6([UInt8])

    /// A non-public address class, named for refusal messages.
    public enum Class: String, Sendable, Hashable, CaseIterable {
        case unspecified = "an unspecified address"
        case loopback = "a loopback address"
        case privateNetwork = "a private address"
        case linkLocal = "a link-local address"
        case sharedCGNAT = "a shared (CGNAT, 100.64/10) address"
        case multicast = "a multicast address"
        case reserved = "a reserved address"
    }

    /// Parses a dotted-quad IPv4 or an IPv6 literal (brackets allowed), exactly as `inet_pton` does: no short or
    /// octal IPv4 forms (`127.1`, `0177.0.0.1`) and no zone — those are names for the resolver, which turns them
    /// into addresses that are then classified like any other.
    public init?(literal text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        let string = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, string, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .v6(let bytes): bytes
        }
    }

    /// The address of a `sockaddr` from `getaddrinfo`, or `nil` for another family.
    public init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            self = .v4(UInt32(bigEndian: address.s_addr))
        case AF_INET6:
            var address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            self = .v6(withUnsafeBytes(of: &address) { Array($0) })
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        case .v6(let bytes):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes.prefix(16)) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The IPv4 address an IPv6 address stands for, when it embeds one a packet can reach: IPv4-mapped
    /// `::ffff:a.b.c.d`, the deprecated IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::`.
    public var embeddedIPv4: UInt32? {
        guard case .v6(let b) = self, b.count == 16 else { return nil }
        func word(_ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return word(12) }  // ::ffff:0:0/96
        if b[0..<12].allSatisfy({ $0 == 0 }), word(12) > 1 { return word(12) }  // ::/96 except :: and ::1
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return word(12) }  // 64:ff9b::/96
        if b[0] == 0x20, b[1] == 0x02 { return word(2) }  // 2002::/16
        return nil
    }

    /// The non-public class of this address, or `nil` for a public (globally routed) one.
    public var nonPublicClass: Class? {
        switch self {
        case .v4(let a):
            return Self.classify(v4: a)
        case .v6(let b):
            guard b.count == 16 else { return .reserved }
            if b.allSatisfy({ $0 == 0 }) { return .unspecified }
            if b[0..<15].allSatisfy({ $0 == 0 }), b[15] == 1 { return .loopback }
            if let embedded = embeddedIPv4 { return Self.classify(v4: embedded) }
            if b[0] & 0xFE == 0xFC { return .privateNetwork }  // fc00::/7 unique local
            if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
            if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return .privateNetwork }  // fec0::/10, deprecated site-local
            if b[0] == 0xFF { return .multicast }  // ff00::/8
            return nil
        }
    }

    static func classify(v4 a: UInt32) -> Class? {
        func within(_ network: UInt32, _ bits: UInt32) -> Bool { a >> (32 - bits) == network >> (32 - bits) }
        if within(0x0000_0000, 8) { return .unspecified }  // 0.0.0.0/8 ("this network"; Linux connects 0.0.0.0 locally)
        if within(0x7F00_0000, 8) { return .loopback }  // 127/8
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) { return .privateNetwork }
        if within(0xA9FE_0000, 16) { return .linkLocal }  // 169.254/16
        if within(0x6440_0000, 10) { return .sharedCGNAT }  // 100.64/10
        if within(0xE000_0000, 4) { return .multicast }  // 224/4
        if within(0xF000_0000, 4) { return .reserved }  // 240/4, including 255.255.255.255
        return nil
    }
}
