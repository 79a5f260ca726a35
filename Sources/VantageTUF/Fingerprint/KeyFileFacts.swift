/// The public keys a key file holds, recognised from its bytes alone: PEM `PUBLIC KEY` blocks, OpenPGP keys
/// (armored or binary packets) and OpenSSH public key lines. For people and alerts ("old key X, new key Y"):
/// consensus is over the bytes' digest, never over this.
public enum KeyFileFacts {
    /// Larger inputs are not looked at: key files are small, and the work stays bounded.
    public static let maxBytes = 1 << 20

    /// The keys recognised in `bytes`, in file order; a part that is malformed (bad base64, a wrong CRC24, a lying
    /// packet length, garbage DER, an SSH blob of another type than its line) gives no key, the rest still do.
    /// Empty for anything else, and for inputs over ``maxBytes``.
    public static func keys(in bytes: [UInt8]) -> [KeyFingerprint] {
        guard let first = bytes.first, bytes.count <= maxBytes else { return [] }
        // A binary keyring starts with a public-key packet: old format tag 6 (0x98–0x9B) or new format 0xC6.
        if (0x98...0x9B).contains(first) || first == 0xC6 { return OpenPGPPackets.primaryKeys(in: bytes) }
        return bytes.withUnsafeBufferPointer(text)
    }

    /// Armored blocks, and OpenSSH key lines in the text around them, in the order they appear.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> [KeyFingerprint] {
        var keys: [KeyFingerprint] = []
        var offset = 0
        for block in ArmoredBlocks.scan(bytes) {
            keys += sshLines(bytes[offset..<block.whole.lowerBound])
            switch String(decoding: block.label, as: UTF8.self) {
            case "PUBLIC KEY":
                // PEM bodies may indent or end lines with spaces; base64 itself skips only line breaks.
                let body = bytes[block.body].filter { $0 != 0x20 && $0 != 0x09 }
                if let der = body.withUnsafeBufferPointer(ByteEncoding.base64Decode(bytes:)),
                    let key = PEMPublicKey.key(der: der)
                {
                    keys.append(key)
                }
            case "PGP PUBLIC KEY BLOCK":
                if let packets = ArmorDecoder.packets(bytes[block.body]) {
                    keys += OpenPGPPackets.primaryKeys(in: packets)
                }
            default:
                break
            }
            offset = block.whole.upperBound
        }
        return keys + sshLines(bytes[offset...])
    }

    /// The OpenSSH key lines of text outside armored blocks (comments and other lines give nothing).
    static func sshLines(_ text: UnsafeBufferPointer<UInt8>.SubSequence) -> [KeyFingerprint] {
        text.split(separator: 0x0A).compactMap { SSHPublicKeyLine.key(in: ArraySlice($0)) }
    }
}
