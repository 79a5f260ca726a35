import Foundation

/// The few bytes of an image layer, written here rather than by `tar`/`gzip` so a layer is a pure function of its
/// files (no mtimes, owners or tool versions in it): a ustar archive, and gzip with stored (uncompressed) deflate
/// blocks, which every gzip reader accepts.
enum TarGzip {
    /// A ustar archive of regular files (0644, owner 0, mtime 0), in the order given.
    static func tar(_ files: [(name: String, contents: [UInt8])]) -> [UInt8] {
        var archive: [UInt8] = []
        for file in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) {
                for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
            }
            put(String(file.name.prefix(100)), at: 0)
            put("0000644\0", at: 100)
            put("0000000\0", at: 108)
            put("0000000\0", at: 116)
            put(octal(file.contents.count, width: 11) + "\0", at: 124)
            put("00000000000\0", at: 136)
            put("        ", at: 148)  // the checksum is computed with its own field as spaces
            put("0", at: 156)
            put("ustar\0", at: 257)
            put("00", at: 263)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(octal(checksum, width: 6) + "\0 ", at: 148)
            archive += header + file.contents
            archive += [UInt8](repeating: 0, count: (512 - file.contents.count % 512) % 512)
        }
        return archive + [UInt8](repeating: 0, count: 1024)
    }

    /// `bytes` as a gzip member of stored deflate blocks (at most 65535 bytes each).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]  // no name, mtime 0, unknown OS
        var offset = 0
        repeat {
            let length = min(65_535, bytes.count - offset)
            let final: UInt8 = offset + length == bytes.count ? 1 : 0
            out += [final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            out += bytes[offset..<offset + length]
            offset += length
        } while offset < bytes.count
        return out + littleEndian(crc32(bytes)) + littleEndian(UInt32(truncatingIfNeeded: bytes.count))
    }

    /// CRC-32 (IEEE 802.3, reflected), as gzip's trailer holds it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func octal(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 8)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
