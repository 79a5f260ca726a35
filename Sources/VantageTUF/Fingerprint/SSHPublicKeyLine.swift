import Crypto

/// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`), fingerprinted as `ssh-keygen -lf` prints it.
enum SSHPublicKeyLine {
    /// The key types OpenSSH writes in public key files, with how many SSH strings their blob holds, type
    /// included (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4, OpenSSH PROTOCOL.u2f); any other first word is not a
    /// key line.
    static let blobFields: [String: Int] = [
        "ssh-ed25519": 2, "ssh-rsa": 3, "ssh-dss": 5, "ecdsa-sha2-nistp256": 3, "ecdsa-sha2-nistp384": 3,
        "ecdsa-sha2-nistp521": 3, "sk-ssh-ed25519@openssh.com": 3, "sk-ecdsa-sha2-nistp256@openssh.com": 4,
    ]

    /// The key on `line`, or `nil` when the line is not a key line, its blob is not base64 or not exactly the
    /// strings of its type, or the type written inside the blob differs from the line's.
    static func key(in line: ArraySlice<UInt8>) -> KeyFingerprint? {
        let words = line.split(maxSplits: 2, whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
        guard words.count >= 2 else { return nil }
        let type = String(decoding: words[0], as: UTF8.self)
        guard let fieldCount = blobFields[type],
            let blob = words[1].withUnsafeBufferPointer({ ByteEncoding.base64Decode(bytes: $0) }),
            let fields = strings(in: blob), fields.count == fieldCount, fields[0].elementsEqual(words[0])
        else { return nil }
        var fingerprint = ByteEncoding.base64Encode(Array(SHA256.hash(data: blob)))
        while fingerprint.last == "=" { fingerprint.removeLast() }
        return KeyFingerprint(format: .ssh, algorithm: type, fingerprint: "SHA256:" + fingerprint)
    }

    /// The blob as SSH strings (4-byte big-endian length, bytes), or `nil` unless they fill it exactly.
    static func strings(in blob: [UInt8]) -> [ArraySlice<UInt8>]? {
        var fields: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < blob.count {
            guard blob.count - offset >= 4 else { return nil }
            let length = blob[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= blob.count - offset else { return nil }
            fields.append(blob[offset..<offset + length])
            offset += length
        }
        return fields
    }
}
