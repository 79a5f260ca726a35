import Crypto

/// The primary public keys in a sequence of OpenPGP packets (RFC 9580 §4–5): each public-key packet (tag 6, not
/// the subkeys of tag 14) fingerprinted as `gpg` prints it.
enum OpenPGPPackets {
    struct Packet {
        var tag: UInt8
        var body: Range<Int>
    }

    /// The primary keys in packet order. The walk stops at the first header that is malformed, uses a partial
    /// length (never used for key packets) or claims more bytes than remain; keys before it are kept.
    static func primaryKeys(in bytes: [UInt8]) -> [KeyFingerprint] {
        var keys: [KeyFingerprint] = []
        var offset = 0
        while offset < bytes.count, let packet = packet(in: bytes, at: offset) {
            if packet.tag == 6, let key = fingerprint(of: bytes[packet.body]) { keys.append(key) }
            offset = packet.body.upperBound
        }
        return keys
    }

    /// The packet whose header starts at `offset` (which must be inside `bytes`), with its body inside `bytes`.
    static func packet(in bytes: [UInt8], at offset: Int) -> Packet? {
        let first = bytes[offset]
        guard first & 0x80 != 0 else { return nil }
        var cursor = offset + 1
        /// The next `count` bytes as a big-endian number, or `nil` past the end.
        func number(_ count: Int) -> Int? {
            guard count <= bytes.count - cursor else { return nil }
            defer { cursor += count }
            return bytes[cursor..<cursor + count].reduce(0) { $0 << 8 | Int($1) }
        }
        let tag: UInt8
        let length: Int
        if first & 0x40 != 0 {  // new format
            tag = first & 0x3F
            guard let octet = number(1) else { return nil }
            switch octet {
            case 0..<192:
                length = octet
            case 192..<224:
                guard let second = number(1) else { return nil }
                length = (octet - 192) << 8 + second + 192
            case 255:
                guard let four = number(4) else { return nil }
                length = four
            default:
                return nil  // partial body length
            }
        } else {  // old format: the low two bits say how the length is written
            tag = first >> 2 & 0x0F
            switch first & 0x03 {
            case 0: guard let one = number(1) else { return nil }; length = one
            case 1: guard let two = number(2) else { return nil }; length = two
            case 2: guard let four = number(4) else { return nil }; length = four
            default: length = bytes.count - cursor  // indeterminate: to the end of the input
            }
        }
        guard length <= bytes.count - cursor else { return nil }
        return Packet(tag: tag, body: cursor..<cursor + length)
    }

    /// v4: SHA-1 over `0x99 ‖ 2-byte length ‖ body`; v6: SHA-256 over `0x9B ‖ 4-byte length ‖ body` (RFC 9580
    /// §5.5.4). Other versions (v3, LibrePGP v5) give no key.
    static func fingerprint(of body: ArraySlice<UInt8>) -> KeyFingerprint? {
        guard let version = body.first else { return nil }
        let count = body.count
        let digest: [UInt8]
        switch version {
        case 4:
            // version, 4-byte creation time, algorithm
            guard count >= 6, count <= 0xFFFF else { return nil }
            var hash = Insecure.SHA1()
            hash.update(data: [0x99, UInt8(count >> 8), UInt8(count & 0xFF)])
            hash.update(data: body)
            digest = Array(hash.finalize())
        case 6:
            // version, 4-byte creation time, algorithm, 4-byte key material length
            guard count >= 10, count <= 0xFFFF_FFFF else { return nil }
            var hash = SHA256()
            hash.update(data: [0x9B] + (0..<4).map { UInt8(truncatingIfNeeded: count >> (24 - 8 * $0)) })
            hash.update(data: body)
            digest = Array(hash.finalize())
        default:
            return nil
        }
        // The algorithm as its number, the form `gpg --with-colons` prints in a `pub` line.
        let algorithm = body[body.startIndex + 5]
        return KeyFingerprint(
            format: .openpgp, algorithm: String(algorithm), fingerprint: ByteEncoding.hexEncode(digest).uppercased())
    }
}
