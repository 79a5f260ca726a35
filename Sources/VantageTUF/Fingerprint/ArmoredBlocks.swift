/// The `-----BEGIN X-----` … `-----END X-----` blocks of a text, in order. Unlike ``PEM/blocks(in:)`` (all or
/// nothing, for root keys) a broken block is only skipped, so one bad part of a key file hides no other key.
enum ArmoredBlocks {
    struct Block {
        var label: ArraySlice<UInt8>
        /// From just after the BEGIN line's closing dashes to the END marker.
        var body: Range<Int>
        /// The whole block, BEGIN to the END line's closing dashes.
        var whole: Range<Int>
    }

    /// Every well-formed block. Each search starts where the previous one stopped, so the scan stays linear.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [Block] {
        var blocks: [Block] = []
        var i = 0
        while let start = PEM.find(PEM.begin, in: bytes, from: i) {
            let labelStart = start + PEM.begin.count
            guard let labelEnd = PEM.find(PEM.dashes, in: bytes, from: labelStart) else { break }
            let label = bytes[labelStart..<labelEnd]
            if label.contains(0x0A) || label.contains(0x0D) {  // not a BEGIN line: look again after it
                i = labelStart
                continue
            }
            let bodyStart = labelEnd + PEM.dashes.count
            guard let endMarker = PEM.find(PEM.end, in: bytes, from: bodyStart) else { break }
            let closeStart = endMarker + PEM.end.count
            let closeEnd = closeStart + label.count + PEM.dashes.count
            i = closeStart
            guard closeEnd <= bytes.count, bytes[closeStart..<closeStart + label.count].elementsEqual(label),
                bytes[closeStart + label.count..<closeEnd].elementsEqual(PEM.dashes)
            else { continue }
            blocks.append(Block(label: ArraySlice(label), body: bodyStart..<endMarker, whole: start..<closeEnd))
            i = closeEnd
        }
        return blocks
    }
}
