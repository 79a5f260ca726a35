import Foundation

/// Byte encodings used in root metadata: Notary's standard base64, TUF's hex.
public enum ByteEncoding {
    /// Decodes standard, padded base64 the way Go's decoder does: `\r` and `\n` are ignored, anything else
    /// outside the alphabet fails.
    public static func base64Decode(_ text: String) -> [UInt8]? {
        var cleaned = text
        if text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            cleaned = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\n" && $0 != "\r" }))
        }
        guard let data = Data(base64Encoded: cleaned) else { return nil }
        return [UInt8](data)
    }

    /// Standard base64 with padding, as Go's `[]byte` JSON encoding writes it.
    public static func base64Encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes hexadecimal text of either case; `nil` on odd length or a non-hex character.
    public static func hexDecode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = hexNibble(utf8[i]), let low = hexNibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal.
    public static func hexEncode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
