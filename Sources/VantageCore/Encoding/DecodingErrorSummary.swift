import Foundation

extension DecodingError {
    /// One line in words for a person: where in the document and what is wrong there, e.g. `missing key "quorum"`,
    /// `targets[2].source.url: expected a string`, never Swift's `keyNotFound(CodingKeys(…))` dump.
    public var summary: String {
        switch self {
        case .keyNotFound(let key, let context):
            let parent = Self.path(context.codingPath)
            return "missing key \"\(key.stringValue)\"" + (parent.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return Self.at(context.codingPath, "expected \(Self.words(for: type))")
        case .valueNotFound(let type, let context):
            return Self.at(context.codingPath, "expected \(Self.words(for: type)), found null")
        case .dataCorrupted(let context):
            return Self.at(context.codingPath, context.debugDescription)
        @unknown default:
            return "cannot be decoded"
        }
    }

    /// The path as a person writes it: `targets[2].source.url`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.enumerated().map { offset, key in
            if let index = key.intValue { return "[\(index)]" }
            return offset == 0 ? key.stringValue : "." + key.stringValue
        }.joined()
    }

    static func at(_ codingPath: [any CodingKey], _ what: String) -> String {
        let location = path(codingPath)
        return location.isEmpty ? what : "\(location): \(what)"
    }

    /// A JSON value's kind in words for a Swift type the decoder asked for.
    static func words(for type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type, is UInt32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        default: "a \(type)"
        }
    }
}

extension Canonical {
    /// One line in words for any error met while reading a document: a `DecodingError` as its
    /// ``Swift/DecodingError/summary``, a ``CoreError`` as its reason, anything else as it describes itself.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let decoding as DecodingError: decoding.summary
        case let core as CoreError: core.reason
        default: "\(error)"
        }
    }
}
