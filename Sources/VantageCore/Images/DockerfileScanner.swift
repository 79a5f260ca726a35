/// One image a Dockerfile names in `FROM`, `COPY --from=` or `RUN --mount=…,from=`.
struct DockerfileImage: Sendable, Hashable {
    /// 1-based line of its first byte.
    var line: Int
    /// The image as written (a line continuation inside it removed).
    var written: String
    /// Its bytes in the file; `nil` when a line continuation splits it, so it cannot be replaced in place.
    var range: Range<Int>?
}

/// Finds the images a Dockerfile names (`FROM`, `COPY --from=`, `RUN --mount=…,from=`), reading the file as BuildKit
/// does: parser directives (`# escape=`), comments, line continuations (blank and comment lines inside them dropped),
/// heredoc bodies of `RUN`, `COPY` and `ADD` skipped, and stage names (an earlier `AS name`, `scratch`, or a stage
/// number in a `from=`) told apart from images.
enum DockerfileScanner {
    private typealias Token = [(byte: UInt8, offset: Int, line: Int)]

    static func images(in bytes: [UInt8]) -> [DockerfileImage] {
        let lines = physicalLines(bytes)
        var escape = UInt8(ascii: "\\")
        var index = 0
        while index < lines.count, let (key, value) = directive(bytes[lines[index]]) {
            if key == "escape", value == "`" { escape = UInt8(ascii: "`") }
            index += 1
        }
        var stages: Set<String> = []
        var images: [DockerfileImage] = []
        while index < lines.count {
            if isBlankOrComment(bytes[lines[index]]) {
                index += 1
                continue
            }
            let tokens = instruction(bytes, lines, from: &index, escape: escape)
            guard let first = tokens.first else { continue }
            let keyword = text(first).lowercased()
            let arguments = tokens.dropFirst()
            switch keyword {
            case "from":
                let rest = arguments.drop { text($0).hasPrefix("--") }
                if let image = rest.first {
                    let written = text(image)
                    if written.lowercased() != "scratch", !stages.contains(written.lowercased()) {
                        images.append(found(image, written))
                    }
                }
                let tail = Array(rest.dropFirst())
                if tail.count >= 2, text(tail[0]).lowercased() == "as" { stages.insert(text(tail[1]).lowercased()) }
            case "copy", "run":
                let flags = arguments.prefix { text($0).hasPrefix("--") }
                for value in flags.flatMap({ keyword == "copy" ? copyFrom($0) : mountFrom($0) }) {
                    let written = text(value)
                    if !written.isEmpty, !written.utf8.allSatisfy(\.isDigit), !stages.contains(written.lowercased()) {
                        images.append(found(value, written))
                    }
                }
            default:
                break
            }
            if ["run", "copy", "add"].contains(keyword) {
                skipHeredocBodies(arguments.compactMap { heredoc(text($0)) }, bytes, lines, from: &index)
            }
        }
        return images
    }

    /// The words of the instruction starting at line `index`, joined over its line continuations; `index` moves
    /// past it.
    private static func instruction(_ bytes: [UInt8], _ lines: [Range<Int>], from index: inout Int, escape: UInt8) -> [Token] {
        var instruction: Token = []
        while index < lines.count {
            let range = lines[index]
            let line = index + 1
            index += 1
            let continuation = continuationEscape(bytes, range, escape)
            for offset in range.lowerBound..<(continuation ?? range.upperBound) {
                instruction.append((bytes[offset], offset, line))
            }
            guard continuation != nil else { break }
            while index < lines.count, isBlankOrComment(bytes[lines[index]]) { index += 1 }
        }
        return instruction.split { $0.byte == 0x20 || $0.byte == 0x09 }.map { Token($0) }
    }

    /// Moves `index` past each heredoc's body and its terminating word.
    private static func skipHeredocBodies(_ heredocs: [(String, Bool)], _ bytes: [UInt8], _ lines: [Range<Int>], from index: inout Int) {
        for (word, stripTabs) in heredocs {
            while index < lines.count {
                var body = bytes[lines[index]]
                index += 1
                if stripTabs { body = body.drop { $0 == 0x09 } }
                if body.elementsEqual(word.utf8) { break }
            }
        }
    }

    /// The value of `--from=VALUE`.
    private static func copyFrom(_ flag: Token) -> [Token] {
        text(flag).hasPrefix("--from=") ? [Token(flag.dropFirst(7))] : []
    }

    /// The `from=VALUE` fields of `--mount=type=bind,from=VALUE,…`.
    private static func mountFrom(_ flag: Token) -> [Token] {
        guard text(flag).hasPrefix("--mount=") else { return [] }
        return flag.dropFirst(8).split { $0.byte == UInt8(ascii: ",") }.map { Token($0) }
            .filter { text($0).hasPrefix("from=") }.map { Token($0.dropFirst(5)) }
    }

    private static func text(_ token: Token) -> String { String(decoding: token.map(\.byte), as: UTF8.self) }

    private static func found(_ token: Token, _ written: String) -> DockerfileImage {
        let first = token[0]
        let last = token[token.count - 1]
        let contiguous = last.offset - first.offset == token.count - 1
        return DockerfileImage(line: first.line, written: written, range: contiguous ? first.offset..<last.offset + 1 : nil)
    }

    /// Each line's bytes without its `\n` or `\r\n`, and without a leading UTF-8 byte order mark, which BuildKit
    /// drops (else a `FROM` after one would go unseen).
    static func physicalLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for (offset, byte) in bytes.enumerated() where byte == 0x0A {
            lines.append(start..<(offset > start && bytes[offset - 1] == 0x0D ? offset - 1 : offset))
            start = offset + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return lines
    }

    static func isBlankOrComment(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
        return first == UInt8(ascii: "#")
    }

    /// The offset of a line's continuation escape: the escape character, then only spaces or tabs.
    static func continuationEscape(_ bytes: [UInt8], _ line: Range<Int>, _ escape: UInt8) -> Int? {
        guard let last = line.last(where: { bytes[$0] != 0x20 && bytes[$0] != 0x09 }), bytes[last] == escape else { return nil }
        return last
    }

    /// `# key=value` at the top of the file (the key lower-cased).
    static func directive(_ line: ArraySlice<UInt8>) -> (String, String)? {
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
        guard trimmed.first == UInt8(ascii: "#"), let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = String(decoding: trimmed[trimmed.index(after: trimmed.startIndex)..<equals], as: UTF8.self)
            .trimmingBlanks()
        guard let first = key.utf8.first, ImageGrammar.isAlphanumeric(first), !first.isDigit,
            key.utf8.allSatisfy(ImageGrammar.isAlphanumeric)
        else { return nil }
        return (key.lowercased(), String(decoding: trimmed[(equals + 1)...], as: UTF8.self).trimmingBlanks())
    }

    /// The terminating word of a heredoc token (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`) and whether leading tabs
    /// of the body are stripped (`<<-`).
    static func heredoc(_ token: String) -> (String, Bool)? {
        let marker = token.drop { $0.isASCII && $0.isNumber }
        guard marker.hasPrefix("<<") else { return nil }
        var word = marker.dropFirst(2)
        let stripTabs = word.hasPrefix("-")
        if stripTabs { word = word.dropFirst() }
        if let quote = word.first, quote == "\"" || quote == "'", word.count >= 2, word.last == quote {
            word = word.dropFirst().dropLast()
        }
        guard !word.isEmpty, word.utf8.allSatisfy({ ImageGrammar.isAlphanumeric($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return (String(word), stripTabs)
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { (0x30...0x39).contains(self) }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
