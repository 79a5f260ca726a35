import VantageTUF

extension ByteEncoding {
    /// Whether `text` is a SHA-256 digest as Vantage writes them: 64 lowercase hex digits.
    public static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
