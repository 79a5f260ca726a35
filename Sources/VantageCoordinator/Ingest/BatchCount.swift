/// Counts the observations of a batch's JSON text without decoding it: the objects directly inside the top-level
/// `observations` array. Decoding 10,000 junk observations (3.9 MB) costs the coordinator far more than sending
/// them costs anyone; one pass over the bytes (strings and escapes honoured) lets ingest refuse an oversized batch
/// first. Text that is not shaped like a batch counts what it has; the decoder then refuses it.
enum BatchCount {
    static func observations(in bytes: some Sequence<UInt8>) -> Int {
        var depth = 0
        var inString = false, escaped = false
        var key: [UInt8] = []
        var lastKeyIsObservations = false, awaitingArray = false, inObservations = false
        var count = 0
        let name = Array("observations".utf8)
        for byte in bytes {
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
                if inObservations, depth == 2, byte == UInt8(ascii: "{") { count += 1 }
                if awaitingArray, byte == UInt8(ascii: "[") { inObservations = true }
                awaitingArray = false
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth <= 1 { inObservations = false }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): break
            default: awaitingArray = false
            }
        }
        return count
    }
}
