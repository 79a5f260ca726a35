/// A registry bearer-token challenge from `WWW-Authenticate` (Docker distribution token auth):
/// `Bearer realm="https://auth.example/token",service="notary",scope="repository:x:pull"`.
public struct BearerChallenge: Sendable, Hashable {
    public var realm: String
    public var service: String?
    public var scope: String?
    /// Every parameter, names lower-cased.
    public var parameters: [String: String]

    public init(realm: String, service: String? = nil, scope: String? = nil, parameters: [String: String] = [:]) {
        self.realm = realm
        self.service = service
        self.scope = scope
        self.parameters = parameters
    }

    /// The first `Bearer` challenge with a non-empty realm among `headerValues`, or `nil`.
    ///
    /// Accepts several challenges per header value (`Basic realm="x", Bearer realm="y"`), case-insensitive scheme
    /// and parameter names, quoted strings with backslash escapes and commas, tokens, and optional whitespace.
    public static func parse(_ headerValues: [String]) -> BearerChallenge? {
        for value in headerValues {
            for challenge in parseChallenges(value) where challenge.scheme.lowercased() == "bearer" {
                guard let realm = challenge.parameters["realm"], !realm.isEmpty else { continue }
                return BearerChallenge(
                    realm: realm, service: challenge.parameters["service"], scope: challenge.parameters["scope"],
                    parameters: challenge.parameters)
            }
        }
        return nil
    }

    /// Whether `headerValues` hold a `Basic` challenge (an `htpasswd` registry).
    static func asksForBasic(_ headerValues: [String]) -> Bool {
        headerValues.contains { parseChallenges($0).contains { $0.scheme.lowercased() == "basic" } }
    }

    struct RawChallenge: Hashable {
        var scheme: String
        var parameters: [String: String]
    }

    /// RFC 7235 `challenge` list: `scheme [auth-param *("," auth-param)]`, challenges separated by commas.
    static func parseChallenges(_ text: String) -> [RawChallenge] {
        var scanner = Scanner(Array(text.unicodeScalars))
        var result: [RawChallenge] = []
        while true {
            scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
            guard let scheme = scanner.token() else { break }
            var challenge = RawChallenge(scheme: scheme, parameters: [:])
            while true {
                let mark = scanner.index
                scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
                guard let name = scanner.token() else { break }
                scanner.skip { $0 == " " || $0 == "\t" }
                guard scanner.consume("=") else {
                    scanner.index = mark  // a token without "=" starts the next challenge
                    break
                }
                scanner.skip { $0 == " " || $0 == "\t" }
                let value = scanner.quoted() ?? scanner.token() ?? ""
                challenge.parameters[name.lowercased()] = value
            }
            result.append(challenge)
            if scanner.atEnd { break }
        }
        return result
    }

    struct Scanner {
        var scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { index >= scalars.count }

        mutating func skip(while predicate: (Unicode.Scalar) -> Bool) {
            while index < scalars.count, predicate(scalars[index]) { index += 1 }
        }

        mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
            return true
        }

        /// An RFC 7230 token (also accepting `/` so token68 values survive).
        mutating func token() -> String? {
            let start = index
            while index < scalars.count, Self.isTokenCharacter(scalars[index]) { index += 1 }
            guard index > start else { return nil }
            var out = ""
            out.unicodeScalars.append(contentsOf: scalars[start..<index])
            return out
        }

        mutating func quoted() -> String? {
            guard consume("\"") else { return nil }
            var out = ""
            while index < scalars.count {
                let c = scalars[index]
                index += 1
                if c == "\"" { return out }
                if c == "\\", index < scalars.count {
                    out.unicodeScalars.append(scalars[index])
                    index += 1
                } else {
                    out.unicodeScalars.append(c)
                }
            }
            return out  // unterminated: take what there is
        }

        static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool {
            if c.value < 0x21 || c.value > 0x7E { return false }
            return !"\"(),;<=>?@[\\]{}".unicodeScalars.contains(c)
        }
    }
}
