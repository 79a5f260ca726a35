/// Minimal PEM reading: the DER bytes of each block, in order.
enum PEM {
    struct Block {
        var label: String
        var der: [UInt8]
    }

    /// Every `-----BEGIN X-----` … `-----END X-----` block; `nil` if a block is unterminated or not base64.
    static func blocks(in text: String) -> [Block]? {
        var blocks: [Block] = []
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingSpaces()
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                guard label == nil else { return nil }
                label = String(line.dropFirst(11).dropLast(5))
                body = ""
            } else if line.hasPrefix("-----END "), line.hasSuffix("-----") {
                guard let open = label, String(line.dropFirst(9).dropLast(5)) == open,
                    let der = ByteEncoding.base64Decode(body)
                else { return nil }
                blocks.append(Block(label: open, der: der))
                label = nil
            } else if label != nil {
                body += line
            }
        }
        return label == nil ? blocks : nil
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
