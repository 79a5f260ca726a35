/// Minimal PEM reading over bytes: the DER of each block, in order.
enum PEM {
    struct Block {
        var label: String
        var der: [UInt8]
    }

    static let begin = Array("-----BEGIN ".utf8)
    static let end = Array("-----END ".utf8)
    static let dashes = Array("-----".utf8)

    /// Every `-----BEGIN X-----` … `-----END X-----` block; `nil` if a block is unterminated, mislabelled or
    /// not base64. Text outside blocks is ignored, as Go's `pem.Decode` does.
    static func blocks(in text: String) -> [Block]? {
        var text = text
        return text.withUTF8 { blocks(bytes: $0) }
    }

    static func blocks(bytes: UnsafeBufferPointer<UInt8>) -> [Block]? {
        var blocks: [Block] = []
        var i = 0
        while let start = find(begin, in: bytes, from: i) {
            let labelStart = start + begin.count
            guard let labelEnd = find(dashes, in: bytes, from: labelStart) else { return nil }
            let label = Array(bytes[labelStart..<labelEnd])
            let bodyStart = labelEnd + dashes.count
            guard let bodyEnd = find(end, in: bytes, from: bodyStart) else { return nil }
            let closeStart = bodyEnd + end.count
            guard closeStart + label.count + dashes.count <= bytes.count,
                Array(bytes[closeStart..<closeStart + label.count]) == label,
                Array(bytes[closeStart + label.count..<closeStart + label.count + dashes.count]) == dashes
            else { return nil }
            var body = [UInt8]()
            body.reserveCapacity(bodyEnd - bodyStart)
            for byte in bytes[bodyStart..<bodyEnd] where byte != 0x20 && byte != 0x09 { body.append(byte) }
            guard let der = body.withUnsafeBufferPointer({ ByteEncoding.base64Decode(bytes: $0) }) else { return nil }
            blocks.append(Block(label: String(decoding: label, as: UTF8.self), der: der))
            i = closeStart + label.count + dashes.count
        }
        return blocks
    }

    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] {
                var match = true
                for j in 1..<needle.count where haystack[i + j] != needle[j] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}
