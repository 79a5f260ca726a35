import Foundation
import VantageCore

/// The pure parts of the registry token flow (formats.md §5.2): building the token URL from a challenge and
/// reading the token from the answer.
public enum TokenRequest {
    /// `{realm}?service=…&scope=repository:{gun}:pull`, keeping any query the realm already has.
    ///
    /// The realm must be `https`, or `http` only when the target itself was configured as `http`. Whether its
    /// host may be reached is checked when it is fetched, like every request (``DestinationPolicy``: its address,
    /// and for a coordinator-supplied target `network.allowed_sources`).
    public static func url(for challenge: BearerChallenge, gun: String, allowHTTP: Bool) throws(ObservationError) -> String {
        guard var components = URLComponents(string: challenge.realm), let scheme = components.scheme?.lowercased(),
            components.host?.isEmpty == false
        else { throw ObservationError(.auth, "token realm \(ServerText.clip(challenge.realm)) is not an absolute URL") }
        guard scheme == "https" || (scheme == "http" && allowHTTP) else {
            throw ObservationError(.auth, "token realm \(ServerText.clip(challenge.realm)) is not https")
        }
        var items = components.queryItems ?? []
        if let service = challenge.service { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: "repository:\(gun):pull"))
        components.queryItems = items
        // URLComponents leaves ':' and '/' unescaped in queries, which registries accept.
        guard let url = components.url?.absoluteString else {
            throw ObservationError(.auth, "cannot build a token URL from realm \(ServerText.clip(challenge.realm))")
        }
        return url
    }

    /// The bearer token from a token endpoint's JSON answer: `access_token` wins over `token` (docker/distribution).
    public static func token(from body: [UInt8]) throws(ObservationError) -> String {
        struct Answer: Decodable {
            var token: String?
            var accessToken: String?
            enum CodingKeys: String, CodingKey {
                case token
                case accessToken = "access_token"
            }
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
            throw ObservationError(.auth, "token endpoint answer is not a JSON token object")
        }
        for candidate in [answer.accessToken, answer.token] {
            if let value = candidate, !value.isEmpty, value.utf8.count <= 8192,
                value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            {
                return value
            }
        }
        throw ObservationError(.auth, "token endpoint answer has no usable token or access_token")
    }
}
