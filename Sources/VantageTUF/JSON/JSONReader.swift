/// A strict JSON reader for signed metadata.
///
/// It accepts RFC 8259 JSON and additionally rejects what would make a signature ambiguous: fractions and
/// exponents, integers beyond ±2^53 (Notary decodes numbers as float64), duplicate object keys, invalid
/// UTF-8 and unpaired surrogate escapes. Every failure is a ``TUFError``; nothing traps.
public struct JSONReader: Sendable {
    public var limits: JSONLimits

    public init(limits: JSONLimits = .default) {
        self.limits = limits
    }

    /// Parses one JSON document.
    /// - Throws: ``TUFError`` with a code naming the rule that failed and the byte offset.
    public func read(_ bytes: some Collection<UInt8>) throws(TUFError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw TUFError(.tooLarge, "input is \(bytes.count) bytes, limit is \(limits.maxBytes)")
        }
        let array = Array(bytes)
        var result: Result<JSONValue, TUFError> = .failure(TUFError(.malformedJSON, "empty"))
        array.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, maxDepth: limits.maxDepth)
            result = Result { () throws(TUFError) -> JSONValue in try parser.parseDocument() }
        }
        return try result.get()
    }
}

/// 2^53: the largest magnitude at which every integer survives a round trip through float64.
let maxExactInteger: Int64 = 9_007_199_254_740_992

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(TUFError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail(.malformedJSON, "trailing data") }
        return value
    }

    func fail(_ code: TUFError.Code, _ what: String) -> TUFError {
        TUFError(code, "\(what) at byte \(index)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(TUFError) -> JSONValue {
        guard index < bytes.count else { throw fail(.malformedJSON, "unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try parseInteger())
        default: throw fail(.malformedJSON, "unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(TUFError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail(.malformedJSON, "truncated literal") }
        let base = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != base[offset] {
            throw fail(.malformedJSON, "invalid literal")
        }
        index += count
    }

    mutating func enter() throws(TUFError) {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
    }

    mutating func parseObject() throws(TUFError) -> JSONValue {
        try enter()
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail(.malformedJSON, "expected object key")
            }
            let keyStart = index
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail(.malformedJSON, "expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            if members.updateValue(value, forKey: key) != nil {
                throw TUFError(.duplicateKey, "duplicate object key \"\(key)\" at byte \(keyStart)")
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail(.malformedJSON, "unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail(.malformedJSON, "expected ',' or '}'") }
            index += 1
            depth -= 1
            return .object(members)
        }
    }

    mutating func parseArray() throws(TUFError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail(.malformedJSON, "unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail(.malformedJSON, "expected ',' or ']'") }
            index += 1
            depth -= 1
            return .array(elements)
        }
    }

    mutating func parseInteger() throws(TUFError) -> Int64 {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.malformedJSON, "expected digit") }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
            throw fail(.malformedJSON, "leading zero")
        }
        var magnitude: Int64 = 0
        var overflow = false
        while index < bytes.count, isDigit(bytes[index]) {
            if !overflow {
                magnitude = magnitude &* 10 &+ Int64(bytes[index] - UInt8(ascii: "0"))
                if magnitude > maxExactInteger { overflow = true }
            }
            index += 1
        }
        if index < bytes.count {
            let next = bytes[index]
            if next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                index = start
                throw fail(.nonInteger, "number with fraction or exponent (canonical JSON allows integers only)")
            }
        }
        if overflow {
            index = start
            throw fail(.integerOutOfRange, "integer beyond ±2^53")
        }
        return negative ? -magnitude : magnitude
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Reads a string token, validating UTF-8 and decoding escapes.
    mutating func parseString() throws(TUFError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, so the string is a slice of the input.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw TUFError(.invalidUTF8, "invalid UTF-8 in string starting at byte \(start)")
                }
                index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail(.malformedJSON, "unescaped control character in string") }
            index += 1
        }
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: buffer, as: UTF8.self) else {
                    throw TUFError(.invalidUTF8, "invalid UTF-8 in string starting at byte \(start)")
                }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                try appendEscape(into: &buffer)
            case 0..<0x20:
                throw fail(.malformedJSON, "unescaped control character in string")
            default:
                buffer.append(byte)
                index += 1
            }
        }
        throw fail(.malformedJSON, "unterminated string")
    }

    mutating func appendEscape(into buffer: inout [UInt8]) throws(TUFError) {
        guard index < bytes.count else { throw fail(.malformedJSON, "truncated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C)
        case UInt8(ascii: "/"): buffer.append(0x2F)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw fail(.invalidUTF8, "unpaired surrogate escape") }
                index += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.invalidUTF8, "unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail(.invalidUTF8, "unpaired surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail(.invalidUTF8, "invalid escape") }
            buffer.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw fail(.malformedJSON, "invalid escape")
        }
    }

    mutating func readHex4() throws(TUFError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail(.malformedJSON, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let nibble = hexNibble(bytes[index]) else { throw fail(.malformedJSON, "invalid \\u escape") }
            value = value << 4 | UInt32(nibble)
            index += 1
        }
        return value
    }
}

/// The value of one hexadecimal digit, either case.
func hexNibble(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
