import ArgumentParser
import Foundation

/// `--format`: human table, one JSON document, or one JSON object per line.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, jsonl
}

/// Writes data to stdout and diagnostics to stderr.
public enum Output {
    public static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// One line on stderr, prefixed with the program's name as invoked (`vantage:`, `vantage-pins:`).
    public static func diagnostic(_ text: String) {
        FileHandle.standardError.write(Data((program + ": " + text + "\n").utf8))
    }

    /// The name this program was invoked by.
    static let program: String = {
        let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""
        return name.isEmpty ? "vantage" : name
    }()

    /// Stable JSON: sorted keys, no escaped slashes, ISO 8601 dates.
    public static func json(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Emits one thing in `format`: a JSON object (not an array of one); `table` renders with `render`.
    public static func emit<T: Encodable>(one value: T, format: OutputFormat, render: (T) -> String) throws {
        switch format {
        case .table: FileHandle.standardOutput.write(Data(render(value).utf8))
        case .json: line(try json(value, pretty: true))
        case .jsonl: line(try json(value, pretty: false))
        }
    }

    /// Emits several things in `format` (a JSON array, or one object per line); `table` renders with `render`.
    public static func emit<T: Encodable>(_ values: [T], format: OutputFormat, render: ([T]) -> String) throws {
        switch format {
        case .table: FileHandle.standardOutput.write(Data(render(values).utf8))
        case .json: line(try json(values, pretty: true))
        case .jsonl: for value in values { line(try json(value, pretty: false)) }
        }
    }
}

/// Column-aligned text, like `notary list` or `kubectl get`.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public var rendered: String {
        let all = [header] + rows
        // Widths count what a terminal shows: colour escapes take no column.
        let widths = header.indices.map { column in all.map { Self.visibleWidth($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $0.element + String(repeating: " ", count: widths[$0.offset] - Self.visibleWidth($0.element)) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// Characters outside ANSI escape sequences (`ESC [ … m`).
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var escape = false
        for character in text {
            if escape { if character == "m" { escape = false }; continue }
            if character == "\u{1B}" { escape = true } else { width += 1 }
        }
        return width
    }
}
