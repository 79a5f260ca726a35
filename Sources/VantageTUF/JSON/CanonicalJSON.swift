/// Canonical JSON as Notary (docker/go `MarshalCanonical`) and TUF (OLPC / securesystemslib) produce it.
///
/// Object keys sorted by their UTF-8 bytes, no whitespace, only `"` and `\` escaped, every other character
/// written raw, integers in decimal. Signatures and TUF key IDs are computed over these bytes, never over
/// the wire bytes.
public enum CanonicalJSON {
    /// The canonical encoding of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        append(value, to: &out, escapeControls: false)
        return out
    }

    /// Compact, key-sorted JSON that is also valid RFC 8259 text: as canonical, but control characters are
    /// escaped (`\n`, `\u00XX`). TUF writers put PEM keys with newlines in metadata this way; it decodes to the
    /// same value, so signatures over the canonical form still verify.
    public static func encodeWire(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        append(value, to: &out, escapeControls: true)
        return out
    }

    static func append(_ value: JSONValue, to out: inout [UInt8], escapeControls: Bool) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): appendString(s, to: &out, escapeControls: escapeControls)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (n, element) in elements.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out, escapeControls: escapeControls)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (n, member) in sorted.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &out, escapeControls: escapeControls)
                out.append(UInt8(ascii: ":"))
                append(member.value, to: &out, escapeControls: escapeControls)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to out: inout [UInt8], escapeControls: Bool) {
        out.append(UInt8(ascii: "\""))
        // Fast path: most strings (key IDs, hex, base64) need no escaping at all.
        let plain = string.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            for byte in buffer where byte == 0x22 || byte == 0x5C || (escapeControls && byte < 0x20) { return false }
            out.append(contentsOf: buffer)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(UInt8(ascii: "\\"))
            } else if escapeControls, byte < 0x20 {
                if byte == 0x0A {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                } else {
                    out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
                continue
            }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
