/// One pass over a batch's JSON text without decoding it: how many objects the top-level `observations` array holds,
/// and where the first one is (strings and escapes honoured). Decoding 10,000 junk observations (3.9 MB) costs the
/// coordinator far more than sending them costs anyone: with this, ingest refuses an oversized batch, and checks the
/// first observation alone, before decoding the rest. Text that is not shaped like a batch counts what it has; the
/// decoder then refuses it.
struct BatchScan {
    /// Objects directly inside the top-level `observations` array.
    private(set) var count = 0
    /// Byte offsets of the first of them, braces included.
    private(set) var first: Range<Int>?

    init(_ bytes: [UInt8]) {
        var depth = 0
        var inString = false, escaped = false
        var key: [UInt8] = []
        var lastKeyIsObservations = false, awaitingArray = false, inObservations = false
        var firstStart: Int?
        let name = Array("observations".utf8)
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    lastKeyIsObservations = depth == 1 && key == name
                } else if depth == 1, key.count <= name.count {
                    key.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                key.removeAll(keepingCapacity: true)
            case UInt8(ascii: ":"):
                awaitingArray = depth == 1 && lastKeyIsObservations
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if inObservations, depth == 2, byte == UInt8(ascii: "{") {
                    count += 1
                    if count == 1 { firstStart = offset }
                }
                if awaitingArray, byte == UInt8(ascii: "[") { inObservations = true }
                awaitingArray = false
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inObservations, depth == 2, first == nil, let start = firstStart { first = start..<(offset + 1) }
                if depth <= 1 { inObservations = false }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): break
            default: awaitingArray = false
            }
        }
    }
}
