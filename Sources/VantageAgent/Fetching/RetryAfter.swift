import Foundation
import VantageCore

/// Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds, or an HTTP date (IMF-fixdate).
public enum RetryAfter {
    /// The longest back-off a server can ask for: a server saying "in a year" must not silence a target for a year.
    public static let maxDelay: Duration = .seconds(86_400)

    /// The instant `value` names, counted from `now`, at most ``maxDelay`` later and never before `now`; `nil` when
    /// `value` is neither form.
    public static func instant(_ value: String, now: Date) -> Date? {
        let text = value.trimmingCharacters(in: .whitespaces)
        let longest = TimeInterval(maxDelay.components.seconds)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // More digits than a Double keeps exactly is still "very long": the clamp below decides.
            return now.addingTimeInterval(min(Double(text) ?? longest, longest))
        }
        guard let date = httpDate().date(from: text) else { return nil }
        return min(max(date, now), now.addingTimeInterval(longest))
    }

    /// A reader of `Sun, 06 Nov 1994 08:49:37 GMT` (one per call: 429s are rare, and a formatter is not shared
    /// across threads).
    static func httpDate() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }
}

/// A server's `429 Too Many Requests`: the observation error to report (`http_status` 429), and the instant its
/// `Retry-After` named, before which the agent does not ask again (``AgentService`` skips the target until then).
public struct RateLimitedError: Error, Sendable, Hashable {
    public var error: ObservationError
    /// `nil` when the answer had no readable `Retry-After`.
    public var retryAfter: Date?

    public init(error: ObservationError, retryAfter: Date?) {
        self.error = error
        self.retryAfter = retryAfter
    }

    /// The error for a 429 `response` received at `now`.
    static func make(_ response: FetchedResponse, now: Date) -> RateLimitedError {
        let instant = response.retryAfter.flatMap { RetryAfter.instant($0, now: now) }
        let until = instant.map { ", retry after \(Timestamp($0))" } ?? ""
        return RateLimitedError(
            error: ObservationError(.httpStatus, "\(ServerText.clip(response.url)): HTTP 429 (rate limited)\(until)", status: 429),
            retryAfter: instant)
    }
}
