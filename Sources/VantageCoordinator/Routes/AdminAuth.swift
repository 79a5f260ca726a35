import Crypto
import Foundation
import Hummingbird

/// Bearer-token check for admin routes. Tokens are compared as SHA-256 digests in constant time, and every
/// configured token is compared, so timing reveals neither a token prefix nor which token matched. Each token has a
/// name (`"NAME TOKEN"` in `admin.tokens` and the token file; a bare token is `admin`), which admin actions record.
struct AdminAuth: Sendable {
    private let entries: [(name: String, digest: [UInt8])]

    init(tokens: [String]) {
        entries = tokens.map { entry in
            let (name, token) = Self.split(entry)
            return (name, Array(SHA256.hash(data: Array(token.utf8))))
        }
    }

    /// `"NAME TOKEN"` → (NAME, TOKEN); a bare token is named `admin`.
    static func split(_ entry: String) -> (name: String, token: String) {
        guard let space = entry.firstIndex(of: " ") else { return ("admin", entry) }
        return (String(entry[..<space]), String(entry[entry.index(after: space)...]).trimmingCharacters(in: .whitespaces))
    }

    /// - Returns: the name of the token the request carries.
    /// - Throws: ``CoordinatorError`` (`unauthorized`) unless the request carries a configured token.
    @discardableResult
    func check(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw CoordinatorError(.unauthorized, "admin routes need an Authorization: Bearer token")
        }
        let presented = Array(SHA256.hash(data: Array(header.dropFirst("Bearer ".count).utf8)))
        var matched: String?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, presented) { difference |= a ^ b }
            if difference == 0, matched == nil { matched = entry.name }
        }
        guard let matched else { throw CoordinatorError(.unauthorized, "unknown admin token") }
        return matched
    }
}
