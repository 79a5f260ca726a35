/// One pass over a batch's JSON text, fed as it arrives, without decoding it: how many objects the top-level
/// `observations` array holds, and where the first one is (strings and escapes honoured). Decoding 10,000 junk
/// observations (3.9 MB) costs the coordinator far more than sending them costs anyone: with this, ingest stops
/// reading a batch once it is over the count limit, and checks the first observation alone before reading the rest.
/// Text that is not shaped like a batch counts what it has; the decoder then refuses it.
struct BatchScan: Sendable {
    /// Objects directly inside the top-level `observations` array, so far.
    private(set) var count = 0
    /// Byte offsets of the first of them, braces included, once it is complete.
    private(set) var first: Range<Int>?

    private var offset = 0
    private var depth = 0
    private var inString = false, escaped = false
    private var key: [UInt8] = []
    private var lastKeyIsObservations = false, awaitingArray = false, inObservations = false
    private var firstStart: Int?
    private static let name = Array("observations".utf8)

    init() {}

    /// Scans `bytes` whole.
    init(_ bytes: [UInt8]) { feed(bytes) }

    /// Scans the next bytes of the text.
    mutating func feed(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            defer { offset += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    lastKeyIsObservations = depth == 1 && key == Self.name
                } else if depth == 1, key.count <= Self.name.count {
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
