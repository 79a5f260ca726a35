import Crypto
import Hummingbird

/// Bearer-token check for admin routes. Tokens are compared as SHA-256 digests in constant time, and every
/// configured token is compared, so timing reveals neither a token prefix nor which token matched.
struct AdminAuth: Sendable {
    private let digests: [[UInt8]]

    init(tokens: [String]) { digests = tokens.map { Array(SHA256.hash(data: Array($0.utf8))) } }

    /// - Throws: ``CoordinatorError`` (`unauthorized`) unless the request carries a configured token.
    func check(_ request: Request) throws {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw CoordinatorError(.unauthorized, "admin routes need an Authorization: Bearer token")
        }
        let presented = Array(SHA256.hash(data: Array(header.dropFirst("Bearer ".count).utf8)))
        var matched = false
        for digest in digests {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, presented) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        guard matched else { throw CoordinatorError(.unauthorized, "unknown admin token") }
    }
}
