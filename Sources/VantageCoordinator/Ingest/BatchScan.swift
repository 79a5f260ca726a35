/// One pass over a batch's JSON text, fed as it arrives, without decoding it: how many objects the top-level
/// `observations` array holds, and where the first one is (strings and escapes honoured). Decoding 10,000 junk
/// observations (3.9 MB) costs the coordinator far more than sending them costs anyone: with this, ingest stops
/// reading a batch once it is over the count limit, and checks the first observation alone before reading the rest.
/// Text that is not shaped like a batch counts what it has, and is ``malformed`` when it is not written the way an
/// agent writes one (`{"observations": [ … ]}`, whitespace aside): a key the scan cannot compare (one spelt with an
/// escape, or other keys) or text in another encoding is refused as soon as it shows, before the rest is read.
struct BatchScan: Sendable {
    /// Objects directly inside the top-level `observations` array, so far.
    private(set) var count = 0
    /// Byte offsets of the first of them, braces included, once it is complete.
    private(set) var first: Range<Int>?
    /// The top-level `observations` array has begun.
    private(set) var hasArray = false
    /// The text is not shaped as agents write a batch: ingest refuses it unread and undecoded.
    private(set) var malformed = false

    private var offset = 0
    private var depth = 0
    private var inString = false, escaped = false
    private var key: [UInt8] = []
    private var lastKeyIsObservations = false, awaitingArray = false, inObservations = false
    private var firstStart: Int?
    private var started = false, topKeys = 0
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
                    if depth == 1 { malformed = true }  // an agent never escapes its one key
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    lastKeyIsObservations = depth == 1 && key == Self.name
                    if depth == 1 { malformed = malformed || !lastKeyIsObservations || topKeys > 1 }
                } else if depth == 1, key.count <= Self.name.count {
                    key.append(byte)
                }
                continue
            }
            checkShape(byte)
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                key.removeAll(keepingCapacity: true)
                if depth == 1 { topKeys += 1 }
            case UInt8(ascii: ":"):
                awaitingArray = depth == 1 && lastKeyIsObservations
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if inObservations, depth == 2, byte == UInt8(ascii: "{") {
                    count += 1
                    if count == 1 { firstStart = offset }
                }
                if awaitingArray, byte == UInt8(ascii: "[") { inObservations = true; hasArray = true }
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

    /// Outside strings, at the top two levels only `{"observations": [` … `]}` and whitespace may appear.
    private mutating func checkShape(_ byte: UInt8) {
        guard depth <= 1, !malformed else { return }
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): return
        case UInt8(ascii: "{") where depth == 0 && !started: started = true
        case UInt8(ascii: "}") where depth == 1: return
        case UInt8(ascii: "\"") where depth == 1: return
        case UInt8(ascii: ":") where depth == 1: return
        case UInt8(ascii: "[") where depth == 1 && awaitingArray && !hasArray: return
        default: malformed = true
        }
    }
}
