/// A stable, machine-readable error code: a string that never changes meaning once released.
///
/// Each error type declares its codes as a `String`-backed enum (`enum Code: String, ErrorCode`), so the raw value
/// is the code on the wire and in messages, the type holds nothing but its cases, and a test can list them all.
public protocol ErrorCode: Hashable, Sendable, CaseIterable, RawRepresentable, CustomStringConvertible where RawValue == String {}

extension ErrorCode {
    public var description: String { rawValue }
}

/// The shape of every Vantage error type: a stable ``ErrorCode`` and a one-line human reason.
///
/// Two errors are equal when their codes are (the reason is prose and may name offsets or paths), so tests and
/// callers compare codes, never wording; the description is `code: reason`. A type with more identity than its
/// code (an HTTP status) supplies its own `==`.
public protocol CodedError: Error, Hashable, Sendable, CustomStringConvertible {
    associatedtype Code: ErrorCode
    /// What went wrong, as a stable code.
    var code: Code { get }
    /// A human-readable explanation.
    var reason: String { get }
}

extension CodedError {
    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
