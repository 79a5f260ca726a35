import Foundation
import Testing
import VantageTUF
import VantageTestSupport

/// ``KeyFileFacts`` on key files the real tools made, compared with what those tools print for the same bytes, and
/// every malformed variant beside its positive control (the same bytes without the change give the key).
@Suite("Key file facts")
struct KeyFileFactsTests {
    typealias Samples = KeyFileSamples

    // MARK: Real keys

    @Test(
        .enabled(if: Samples.hasGPG, "needs gpg (Debian: gnupg)"),
        arguments: ["a.gpg", "a.asc", "a-comment.asc", "b.gpg", "b.asc", "both.gpg", "both.asc"])
    func openPGPKeysAreTheOnesGpgShows(_ name: String) async throws {
        let file = try #require(try await Samples.openPGP.value[name])
        #expect(file.keys.count == (name.hasPrefix("both") ? 2 : 1), "gpg --show-keys: \(file.keys)")
        #expect(KeyFileFacts.keys(in: file.bytes) == file.keys)
    }

    /// RFC 9580 Appendix A.3, "Sample Version 6 Certificate": an Ed25519 (27) primary key with an X25519 subkey,
    /// armored without a CRC24 line, and the fingerprint the RFC gives for it. gpg 2.2 writes no v6 keys.
    static let sampleV6Certificate = """
        -----BEGIN PGP PUBLIC KEY BLOCK-----

        xioGY4d/4xsAAAAg+U2nu0jWCmHlZ3BqZYfQMxmZu52JGggkLq2EVD34laPCsQYf
        GwoAAABCBYJjh3/jAwsJBwUVCg4IDAIWAAKbAwIeCSIhBssYbE8GCaaX5NUt+mxy
        KwwfHifBilZwj2Ul7Ce62azJBScJAgcCAAAAAK0oIBA+LX0ifsDm185Ecds2v8lw
        gyU2kCcUmKfvBXbAf6rhRYWzuQOwEn7E/aLwIwRaLsdry0+VcallHhSu4RN6HWaE
        QsiPlR4zxP/TP7mhfVEe7XWPxtnMUMtf15OyA51YBM4qBmOHf+MZAAAAIIaTJINn
        +eUBXbki+PSAld2nhJh/LVmFsS+60WyvXkQ1wpsGGBsKAAAALAWCY4d/4wKbDCIh
        BssYbE8GCaaX5NUt+mxyKwwfHifBilZwj2Ul7Ce62azJAAAAAAQBIKbpGG2dWTX8
        j+VjFM21J0hqWlEg+bdiojWnKfA5AQpWUWtnNwDEM0g12vYxoWM8Y81W+bHBw805
        I8kWVkXU6vFOi+HWvv/ira7ofJu16NnoUkhclkUrk0mXubZvyl4GBg==
        -----END PGP PUBLIC KEY BLOCK-----

        """

    @Test func version6KeyHasTheRFCFingerprint() throws {
        let expected = [
            KeyFingerprint(
                format: .openpgp, algorithm: "27",
                fingerprint: "CB186C4F0609A697E4D52DFA6C722B0C1F1E27C18A56708F6525EC27BAD9ACC9")
        ]
        #expect(KeyFileFacts.keys(in: Array(Self.sampleV6Certificate.utf8)) == expected)
        // The same packets unarmored start with a new-format header (0xC6) and are read as binary.
        let data = Self.sampleV6Certificate.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let binary = try #require(ByteEncoding.base64Decode(data))
        #expect(binary.first == 0xC6)
        #expect(KeyFileFacts.keys(in: binary) == expected)
    }

    /// RFC 9580 makes the CRC24 line optional: armor without it is read as with it.
    @Test(.enabled(if: Samples.hasGPG, "needs gpg (Debian: gnupg)"))
    func armorWithoutChecksumLineIsRead() async throws {
        let file = try #require(try await Samples.openPGP.value["both.asc"])
        let lines = file.text.split(separator: "\n", omittingEmptySubsequences: false)
        let withoutCRC = lines.filter { !($0.count == 5 && $0.hasPrefix("=")) }
        #expect(withoutCRC.count == lines.count - 1)
        #expect(KeyFileFacts.keys(in: Array(withoutCRC.joined(separator: "\n").utf8)) == file.keys)
    }

    /// Every cut of a real keyring gives the primary keys of its whole part (a prefix of the keys, growing with
    /// the cut), and never traps on the packet it cuts.
    @Test(.enabled(if: Samples.hasGPG, "needs gpg (Debian: gnupg)"), arguments: ["both.gpg", "both.asc"])
    func everyTruncationOfAKeyringIsSafe(_ name: String) async throws {
        let file = try #require(try await Samples.openPGP.value[name])
        var previous = 0
        for count in 0...file.bytes.count {
            let keys = KeyFileFacts.keys(in: Array(file.bytes.prefix(count)))
            #expect(file.keys.starts(with: keys) && keys.count >= previous, "cut at \(count): \(keys)")
            previous = keys.count
        }
        #expect(previous == file.keys.count)
    }

    @Test(.enabled(if: Samples.hasSSHKeygen, "needs ssh-keygen (Debian: openssh-client)"), arguments: ["ed25519", "ecdsa", "rsa"])
    func sshKeysAreTheOnesSshKeygenPrints(_ type: String) async throws {
        let file = try #require(try await Samples.ssh.value[type])
        #expect(KeyFileFacts.keys(in: file.bytes) == file.keys)
    }

    @Test(.enabled(if: Samples.hasSSHKeygen, "needs ssh-keygen (Debian: openssh-client)"))
    func severalSSHLinesGiveEveryKeyInOrder() async throws {
        let scratch = try Scratch("vantage-ssh-lines")
        defer { scratch.remove() }
        let samples = try await Samples.ssh.value
        let text = ["# keys", "ed25519", "rsa", "", "ecdsa"].map { samples[$0]?.text ?? "\($0)\n" }.joined()
        let path = try scratch.write(text, to: "authorized_keys")
        let expected = try await Samples.sshKeygenKeys(path)
        #expect(expected.count == 3)
        #expect(KeyFileFacts.keys(in: Array(text.utf8)) == expected)
    }

    @Test(
        .enabled(if: Samples.hasOpenSSL, "needs openssl and sha256sum"),
        arguments: Samples.pemAlgorithms.keys.sorted())
    func pemKeysAreTheOnesOpensslDigests(_ algorithm: String) async throws {
        let file = try #require(try await Samples.pem.value[algorithm])
        #expect(KeyFileFacts.keys(in: file.bytes) == file.keys)
    }

    @Test(.enabled(if: Samples.hasOpenSSL, "needs openssl and sha256sum"))
    func severalPEMBlocksGiveEveryKeyInOrder() async throws {
        let samples = try await Samples.pem.value
        let files = try ["rsa", "ed25519", "ecdsa-p256"].map { try #require(samples[$0]) }
        let text = "a bundle of keys\n" + files.map(\.text).joined(separator: "\n")
        #expect(KeyFileFacts.keys(in: Array(text.utf8)) == files.flatMap(\.keys))
    }

    @Test(.enabled(if: Samples.hasGPG && Samples.hasSSHKeygen && Samples.hasOpenSSL, "needs gpg, ssh-keygen and openssl"))
    func mixedFileKeepsFileOrder() async throws {
        let pem = try #require(try await Samples.pem.value["ecdsa-p256"])
        let ssh = try #require(try await Samples.ssh.value["ed25519"])
        let openPGP = try #require(try await Samples.openPGP.value["a.asc"])
        let text = ssh.text + pem.text + openPGP.text + ssh.text
        #expect(KeyFileFacts.keys(in: Array(text.utf8)) == ssh.keys + pem.keys + openPGP.keys + ssh.keys)
    }

    // MARK: Attacks, each beside its positive control

    enum OpenPGPAttack: String, CaseIterable, Sendable {
        case wrongChecksum = "armored block with a wrong CRC24"
        case truncatedLength = "input ends inside the packet length"
        case oldLengthBeyondInput = "old-format packet length larger than the input"
        case newLengthBeyondInput = "new-format packet length larger than the input"
        case partialLength = "partial body length on a key packet"
        case subkeyOnly = "subkey packet (tag 14) without a primary key"

        /// The attacked bytes and the control, both made from key A's real export.
        func bytes(_ files: [String: KeyFileSamples.File]) throws -> (attack: [UInt8], control: [UInt8]) {
            let export = try #require(files["a.gpg"]).bytes
            // gpg writes the v4 primary key packet in the old format with a one-byte length (0x98).
            try #require(export.count > 2 && export[0] == 0x98)
            let length = Int(export[1])
            let body = Array(export[2..<2 + length])
            let rest = Array(export[(2 + length)...])
            switch self {
            case .wrongChecksum:
                let armored = try #require(files["a.asc"]).text
                var lines = armored.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let index = try #require(lines.firstIndex { $0.count == 5 && $0.hasPrefix("=") })
                // Another first character: another CRC, the data untouched.
                lines[index] = (lines[index].hasPrefix("=A") ? "=B" : "=A") + lines[index].dropFirst(2)
                return (Array(lines.joined(separator: "\n").utf8), Array(armored.utf8))
            case .truncatedLength:
                return ([0x99, 0x00], [0x99, 0x00, UInt8(length)] + body + rest)
            case .oldLengthBeyondInput:
                return ([0x99, 0xFF, 0xFF] + body + rest, [0x99, 0x00, UInt8(length)] + body + rest)
            case .newLengthBeyondInput:
                return ([0xC6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + body + rest, [0xC6, 0xFF, 0, 0, 0, UInt8(length)] + body + rest)
            case .partialLength:
                // 0xE0 | 5: a 32-byte first part; the control gives the same body its one-octet length.
                return ([0xC6, 0xE5] + body + rest, [0xC6, UInt8(length)] + body + rest)
            case .subkeyOnly:
                // Armored, so the packets are walked whatever the first header: 0xB8 is old-format tag 14.
                return (armor([0xB8, UInt8(length)] + body), armor([0x98, UInt8(length)] + body))
            }
        }

        func armor(_ packets: [UInt8]) -> [UInt8] {
            Array(
                ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + ByteEncoding.base64Encode(packets)
                    + "\n-----END PGP PUBLIC KEY BLOCK-----\n").utf8)
        }
    }

    @Test(.enabled(if: Samples.hasGPG, "needs gpg (Debian: gnupg)"), arguments: OpenPGPAttack.allCases)
    func openPGPAttackGivesNoKey(_ attack: OpenPGPAttack) async throws {
        let files = try await Samples.openPGP.value
        let expected = try #require(files["a.gpg"]).keys
        let (attacked, control) = try attack.bytes(files)
        #expect(KeyFileFacts.keys(in: control) == expected, "control")
        #expect(KeyFileFacts.keys(in: attacked) == [], "attack")
    }

    enum SSHAttack: String, CaseIterable, Sendable {
        case relabelled = "line type differs from the type inside the blob"
        case invalidBase64 = "blob is not base64"
        case truncatedBlob = "blob cut inside its last field"
        case extraField = "blob with a field more than its type has"

        /// The attacked line and the control, both made from the real ECDSA P-256 key line.
        func bytes(_ files: [String: KeyFileSamples.File]) throws -> (attack: [UInt8], control: [UInt8]) {
            let line = try #require(files["ecdsa"]).text
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            try #require(words.count == 3 && words[0] == "ecdsa-sha2-nistp256")
            let blob = try #require(ByteEncoding.base64Decode(words[1]))
            let rewritten = { (type: String, blob: [UInt8]) in
                Array(([type, ByteEncoding.base64Encode(blob), words[2]]).joined(separator: " ").utf8)
            }
            let control = rewritten(words[0], blob)
            switch self {
            case .relabelled:
                // Same number of fields as P-256, so only the type check can refuse it.
                return (rewritten("ecdsa-sha2-nistp384", blob), control)
            case .invalidBase64:
                var text = Array(words[1])
                text[text.count / 2] = "*"
                return (Array(([words[0], String(text), words[2]]).joined(separator: " ").utf8), control)
            case .truncatedBlob:
                return (rewritten(words[0], Array(blob.dropLast(3))), control)
            case .extraField:
                return (rewritten(words[0], blob + [0, 0, 0, 1, 0x04]), control)
            }
        }
    }

    @Test(.enabled(if: Samples.hasSSHKeygen, "needs ssh-keygen (Debian: openssh-client)"), arguments: SSHAttack.allCases)
    func sshAttackGivesNoKey(_ attack: SSHAttack) async throws {
        let files = try await Samples.ssh.value
        let expected = try #require(files["ecdsa"]).keys
        let (attacked, control) = try attack.bytes(files)
        #expect(KeyFileFacts.keys(in: control) == expected, "control")
        #expect(KeyFileFacts.keys(in: attacked) == [], "attack")
    }

    enum PEMAttack: String, CaseIterable, Sendable {
        case garbageDER = "PEM block of garbage DER"
        case trailingByte = "DER with a byte after the SubjectPublicKeyInfo"
        case invalidBase64 = "PEM body that is not base64"
        case mismatchedEnd = "END line with another label"
        case oversized = "input over 1 MiB"
        case empty = "empty input"

        /// The attacked bytes and the control, both made from the real P-256 PEM.
        func bytes(_ files: [String: KeyFileSamples.File]) throws -> (attack: [UInt8], control: [UInt8]) {
            let pem = try #require(files["ecdsa-p256"]).text
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let der = try #require(ByteEncoding.base64Decode(body))
            let wrap = { (der: [UInt8]) in
                Array(("-----BEGIN PUBLIC KEY-----\n" + ByteEncoding.base64Encode(der) + "\n-----END PUBLIC KEY-----\n").utf8)
            }
            switch self {
            case .garbageDER:
                return (wrap(Array("not a key, only text".utf8)), wrap(der))
            case .trailingByte:
                return (wrap(der + [0x00]), wrap(der))
            case .invalidBase64:
                return (Array(pem.replacingOccurrences(of: "\n-----END", with: "*\n-----END").utf8), Array(pem.utf8))
            case .mismatchedEnd:
                return (Array(pem.replacingOccurrences(of: "END PUBLIC KEY", with: "END PRIVATE KEY").utf8), Array(pem.utf8))
            case .oversized:
                let padded = { (count: Int) in Array(pem.utf8) + Array(repeating: 0x0A, count: count - pem.utf8.count) }
                return (padded(KeyFileFacts.maxBytes + 1), padded(KeyFileFacts.maxBytes))
            case .empty:
                return ([], Array(pem.utf8))
            }
        }
    }

    @Test(.enabled(if: Samples.hasOpenSSL, "needs openssl and sha256sum"), arguments: PEMAttack.allCases)
    func pemAttackGivesNoKey(_ attack: PEMAttack) async throws {
        let files = try await Samples.pem.value
        let expected = try #require(files["ecdsa-p256"]).keys
        let (attacked, control) = try attack.bytes(files)
        #expect(KeyFileFacts.keys(in: control) == expected, "control")
        #expect(KeyFileFacts.keys(in: attacked) == [], "attack")
    }

    /// Inputs built to make a scanner loop, trap or rescan, each just under the size cap.
    enum Pathological: String, CaseIterable, Sendable {
        case beginMarkers = "BEGIN markers without labels"
        case unterminatedBlocks = "BEGIN lines without END"
        case mismatchedBlocks = "blocks whose END label differs"
        case emptySSHBlobs = "SSH lines with empty blobs"
        case hugePacketLengths = "packet headers each claiming 39 KiB"
        case emptyKeyPackets = "zero-length key packets"
        case checksumOnlyArmor = "armor with only a checksum line"
        case loneHeader = "a lone packet header byte"

        var bytes: [UInt8] {
            let repeated = { (text: String) in Array(String(repeating: text, count: KeyFileFacts.maxBytes / text.utf8.count).utf8) }
            switch self {
            case .beginMarkers: return repeated("-----BEGIN ")
            case .unterminatedBlocks: return repeated("-----BEGIN PUBLIC KEY-----\n")
            case .mismatchedBlocks: return repeated("-----BEGIN A-----\n-----END B-----\n")
            case .emptySSHBlobs: return repeated("ssh-ed25519 AAAA x\n")
            case .hugePacketLengths: return [UInt8](repeating: 0x99, count: KeyFileFacts.maxBytes)
            case .emptyKeyPackets: return (0..<KeyFileFacts.maxBytes).map { $0 % 2 == 0 ? 0x98 : 0x00 }
            case .checksumOnlyArmor:
                return Array("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n".utf8)
            case .loneHeader: return [0xC6]
            }
        }
    }

    @Test(arguments: Pathological.allCases)
    func pathologicalInputGivesNoKey(_ input: Pathological) {
        let bytes = input.bytes
        #expect(bytes.count <= KeyFileFacts.maxBytes, "read, not cut by the size cap")
        #expect(KeyFileFacts.keys(in: bytes) == [])
    }
}
