import Foundation
import VantageTUF

/// An instant with whole-second precision, encoded as RFC 3339 UTC (`2026-11-26T15:51:27Z`) in every
/// Vantage document, so signed bytes never depend on floating-point formatting.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }
    public init(_ date: Date) { seconds = Int64(date.timeIntervalSince1970.rounded(.down)) }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
    public var description: String { RFC3339.format(date) }

    public func adding(seconds delta: Int64) -> Timestamp { Timestamp(seconds: seconds + delta) }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = RFC3339.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not RFC 3339: \(text)"))
        }
        self.init(date)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
