import Testing
import VantageCore
import VantageTUF

/// ``Canonical/bytes(of:)`` is the one encoder behind every signature and hash (agents, coordinator and clients alike).
/// Over strings that are not restricted ASCII it must write exactly the canonical JSON of formats.md §3: keys sorted by
/// their UTF-8 bytes, no whitespace, only `"` and `\` escaped, every other character (controls, U+2028, non-ASCII)
/// written raw.
@Suite struct CanonicalEncoderTests {
    /// Deterministic SplitMix64, so a failure names a reproducible case.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Characters a JSON encoder may treat specially: every control character, quote, backslash, slash, DEL, HTML
    /// characters, line and paragraph separators, BOM, combining marks, non-ASCII letters, CJK and astral scalars.
    static let alphabet: [Unicode.Scalar] = (0..<0x20).map { Unicode.Scalar(UInt8($0)) }
        + ["\"", "\\", "/", "\u{7F}", "<", ">", "&", "a", "Z", "0", "_", " ", "é", "\u{0301}", "ß", "\u{2028}", "\u{2029}",
            "\u{FEFF}", "中", "\u{1F600}", "\u{10FFFF}"]

    static func randomString(_ generator: inout SeededGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) { scalars.append(alphabet.randomElement(using: &generator)!) }
        return String(scalars)
    }

    /// formats.md §3.1/3.2, written out: a string is its UTF-8 with `"` and `\` preceded by `\`.
    static func canonical(_ string: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in string.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        return out + [UInt8(ascii: "\"")]
    }

    static func canonical(_ object: [String: String]) -> [UInt8] {
        let members = object.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { canonical($0.key) + [UInt8(ascii: ":")] + canonical($0.value) }
        return [UInt8(ascii: "{")] + Array(members.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "}")]
    }

    @Test func randomStringsEncodeByTheCanonicalRules() throws {
        var generator = SeededGenerator(state: 23)
        var controls = 0
        for n in 0..<2_000 {
            var object: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) { object[Self.randomString(&generator)] = Self.randomString(&generator) }
            let bytes = try Canonical.bytes(of: object)
            #expect(bytes == Self.canonical(object), "case \(n): \(object.debugDescription)")
            if bytes.contains(where: { $0 < 0x20 }) { controls += 1 }
        }
        // Positive control: the cases include control characters written raw (where a wire encoder escapes them).
        #expect(controls > 100)
    }

    /// The wire encoder is not canonical: it escapes control characters, so it must never be what is hashed or signed.
    @Test func theWireEncoderDiffersOnControlCharacters() throws {
        let object = ["target": "a\tb\n\u{1}"]
        #expect(try Canonical.bytes(of: object) == Self.canonical(object))
        #expect(try Canonical.encode(object) == Array(#"{"target":"a\tb\n\u0001"}"#.utf8))
        let ascii = ["target": "registry.example.org/ünïcode \"q\" \\"]
        #expect(try Canonical.encode(ascii) == (try Canonical.bytes(of: ascii)), "the same bytes without control characters")
    }
}
