import Foundation
import Testing
@testable import VantageTUF

@Suite("Strict JSON reader and canonical encoder")
struct JSONReaderTests {
    struct Bad: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var code: TUFError.Code
        var testDescription: String { name }
        init(_ name: String, _ text: String, _ code: TUFError.Code) {
            self.name = name
            self.input = Array(text.utf8)
            self.code = code
        }
        init(_ name: String, bytes: [UInt8], _ code: TUFError.Code) {
            self.name = name
            self.input = bytes
            self.code = code
        }
    }

    static let bad: [Bad] = [
        .init("float", #"{"a":1.0}"#, .nonInteger),
        .init("exponent", #"{"a":1e3}"#, .nonInteger),
        .init("NaN literal", #"{"a":NaN}"#, .malformedJSON),
        .init("Infinity literal", #"[Infinity]"#, .malformedJSON),
        .init("2^53 + 1", #"{"a":9007199254740993}"#, .integerOutOfRange),
        .init("huge integer", #"{"a":123456789012345678901234567890}"#, .integerOutOfRange),
        .init("negative huge integer", #"[-99999999999999999999]"#, .integerOutOfRange),
        .init("duplicate key", #"{"a":1,"a":2}"#, .duplicateKey),
        .init("nested duplicate key", #"{"x":{"keyid":"1","keyid":"2"}}"#, .duplicateKey),
        .init("invalid UTF-8", bytes: Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8), .invalidUTF8),
        .init("overlong UTF-8", bytes: [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8),
        .init("lone high surrogate", #"["\ud800"]"#, .invalidUTF8),
        .init("lone low surrogate", #"["\udc00x"]"#, .invalidUTF8),
        .init("deep nesting", String(repeating: "[", count: 100) + String(repeating: "]", count: 100), .tooDeep),
        .init("truncated object", #"{"signed":{"_type":"Root""#, .malformedJSON),
        .init("truncated string", #"{"a":"abc"#, .malformedJSON),
        .init("trailing garbage", #"{} x"#, .malformedJSON),
        .init("leading zero", #"[01]"#, .malformedJSON),
        .init("control character in string", "[\"a\u{01}b\"]", .malformedJSON),
        .init("bad escape", #"["\x"]"#, .malformedJSON),
        .init("single quotes", #"{'a':1}"#, .malformedJSON),
        .init("trailing comma", #"[1,]"#, .malformedJSON),
        .init("empty input", "", .malformedJSON),
        .init("byte order mark", "\u{FEFF}{}", .malformedJSON),
    ]

    @Test("Hostile JSON is rejected with a typed error", arguments: bad)
    func rejects(_ bad: Bad) {
        #expect(throws: TUFError(bad.code, "")) { try JSONReader().read(bad.input) }
    }

    @Test("Input above the size limit is rejected before parsing")
    func tooLarge() {
        let big = [UInt8](repeating: 0x20, count: 10 * 1024 * 1024)
        #expect(throws: TUFError(.tooLarge, "")) { try JSONReader().read(big) }
        #expect(throws: TUFError(.tooLarge, "")) { try Root.parse(big) }
    }

    @Test("Canonical form: sorted by UTF-8 bytes, only quote and backslash escaped, integers exact")
    func canonical() throws {
        // The reference checker's self-test (Fixtures/EXPECTED.md).
        let value = try JSONReader().read(Array(#"{"c":[true,null,2],"b":"<&>\u00e9\n\"\\","a":1}"#.utf8))
        let expected: [UInt8] = Array(#"{"a":1,"b":"<&>"#.utf8) + [0xC3, 0xA9, 0x0A] + Array(#"\"\\","c":[true,null,2]}"#.utf8)
        #expect(CanonicalJSON.encode(value) == expected)
        // Keys sort by bytes: "Z" (0x5A) < "a" (0x61) < "é" (0xC3…).
        let keys = try JSONReader().read(Array(#"{"é":1,"a":2,"Z":3,"aa":4}"#.utf8))
        #expect(String(decoding: CanonicalJSON.encode(keys), as: UTF8.self) == #"{"Z":3,"a":2,"aa":4,"é":1}"#)
        let limits = try JSONReader().read(Array("[9007199254740992,-9007199254740992,0,-0]".utf8))
        #expect(String(decoding: CanonicalJSON.encode(limits), as: UTF8.self) == "[9007199254740992,-9007199254740992,0,0]")
        // Escapes in the input are decoded, then written raw.
        let escaped = try JSONReader().read(Array(#"["\u0041\/\t\ud83d\ude00"]"#.utf8))
        #expect(CanonicalJSON.encode(escaped) == Array("[\"A/\t😀\"]".utf8))
    }

    @Test("Every prefix of a real root fails cleanly")
    func truncations() throws {
        let bytes = try Fixtures.bytes("notary/notary0.3-tst/root.json")
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: TUFError.self) { try Root.parse(bytes[0..<length]) }
        }
        #expect(try Root.parse(bytes).version == 1)
    }

    @Test("RFC 3339: fractions, offsets, and rejects")
    func rfc3339() {
        #expect(RFC3339.parse("2025-08-07T20:55:22.677722315-07:00") == RFC3339.parse("2025-08-08T03:55:22.677722315Z"))
        #expect(RFC3339.format(RFC3339.parse("2021-12-18T13:28:12.99008-06:00")!) == "2021-12-18T19:28:12Z")
        #expect(RFC3339.parse("2030-01-01T00:00:00Z")!.timeIntervalSince1970 == 1_893_456_000)
        for bad in ["2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T00:00:00",
                    "2025-01-01T24:00:00Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00+0100", "yesterday"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}
