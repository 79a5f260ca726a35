/// The packets inside OpenPGP ASCII armor (RFC 9580 §6.2): the text between the BEGIN line and the END line is
/// armor headers (`Key: value`), a blank line, base64 lines and an optional `=XXXX` CRC24 line.
enum ArmorDecoder {
    /// The decoded packets; `nil` when the text after the BEGIN line is not armor, the base64 is invalid or empty,
    /// or a CRC24 line is present and disagrees with the data.
    static func packets(_ body: UnsafeBufferPointer<UInt8>.SubSequence) -> [UInt8]? {
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).map(trimmed)
        // The first line is the rest of the BEGIN line, which must be empty.
        guard let first = lines.first, first.isEmpty else { return nil }
        var index = 1
        while index < lines.count, lines[index].contains(UInt8(ascii: ":")) { index += 1 }
        var last = lines.count - 1
        while last >= index, lines[last].isEmpty { last -= 1 }
        var checksum: [UInt8]?
        if last >= index, lines[last].count == 5, lines[last].first == UInt8(ascii: "=") {
            guard let crc = decodeBase64(lines[last].dropFirst()), crc.count == 3 else { return nil }
            checksum = crc
            last -= 1
        }
        guard last >= index else { return nil }
        var data: [UInt8] = []
        for line in lines[index...last] { data.append(contentsOf: line) }
        guard let packets = decodeBase64(data[...]), !packets.isEmpty else { return nil }
        if let checksum {
            let crc = crc24(packets)
            guard checksum == [16, 8, 0].map({ UInt8(truncatingIfNeeded: crc >> $0) }) else { return nil }
        }
        return packets
    }

    /// The line without surrounding spaces, tabs and the `\r` of CRLF text.
    static func trimmed(_ line: UnsafeBufferPointer<UInt8>.SubSequence) -> ArraySlice<UInt8> {
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D }
        guard let start = line.firstIndex(where: { !isBlank($0) }), let end = line.lastIndex(where: { !isBlank($0) })
        else { return [] }
        return ArraySlice(line[start...end])
    }

    static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        text.withUnsafeBufferPointer { ByteEncoding.base64Decode(bytes: $0) }
    }

    /// RFC 9580 §6.1.1: CRC-24 with initial value 0xB704CE and generator 0x1864CFB.
    static func crc24(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xB7_04CE
        for byte in bytes {
            crc ^= UInt32(byte) << 16
            for _ in 0..<8 {
                crc <<= 1
                if crc & 0x100_0000 != 0 { crc ^= 0x186_4CFB }
            }
        }
        return crc & 0xFF_FFFF
    }
}
