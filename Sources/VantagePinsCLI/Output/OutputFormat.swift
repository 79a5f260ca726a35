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

    public static func diagnostic(_ text: String) {
        FileHandle.standardError.write(Data(("vantage: " + text + "\n").utf8))
    }

    /// Stable JSON: sorted keys, no escaped slashes, ISO 8601 dates.
    public static func json(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Emits `values` in `format`; `table` renders with `render`.
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
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
