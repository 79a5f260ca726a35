import VantageCore

/// The registry authorization flow of one probe (formats.md §5.2), shared by ``NotaryRootSource`` and
/// ``OCIManifestSource``: send a request; on `401` answer the challenge once and send it again.
///
/// - `Bearer`: the token comes from the challenge's realm with `scope=repository:{repository}:pull`, asked with the
///   registry's ``RegistryCredential`` as HTTP basic when there is one (anonymous otherwise). The realm is
///   server-controlled: it must be `https` (`http` only for an `http` registry), the getter holds it to the
///   agent's ``DestinationPolicy`` like every request (its address, and for a coordinator-supplied target
///   `network.allowed_sources`, so credentials never go to a realm outside them), and messages quote it clipped.
/// - `Basic` (an `htpasswd` registry): the credential itself, when there is one (without, the `401` is an `auth` error).
///
/// Token endpoint failures are `auth` errors; a hanging one is a `timeout`; a refused realm is `forbidden`.
/// Credentials and tokens are never put in a message.
struct RegistryAuthFlow: Sendable {
    let http: any HTTPGetting
    let supplier: TargetSupplier
    /// The repository (a Notary GUN) of the token scope.
    let repository: String
    /// The registry's URL is `http` (a test or the operator's own network): its token realm may be too.
    let allowHTTP: Bool
    let credential: RegistryCredential?

    /// Sends `request` with `authorization`, answering one `401` challenge.
    /// - Returns: the answer, and the authorization to send with this probe's next requests.
    func send(_ request: FetchRequest, authorization: HTTPAuthorization?) async throws -> (FetchedResponse, HTTPAuthorization?) {
        var request = request
        request.authorization = authorization
        let response = try await http.fetch(request, supplier: supplier)
        guard response.status == 401 else { return (response, authorization) }
        let answer: HTTPAuthorization
        let with: String
        if let challenge = BearerChallenge.parse(response.wwwAuthenticate) {
            answer = .bearer(try await token(challenge))
            with = "the token from \(ServerText.clip(challenge.realm))"
        } else if let credential, BearerChallenge.asksForBasic(response.wwwAuthenticate) {
            answer = .basic(credential)
            with = "the configured credentials"
        } else {
            throw ObservationError(.auth, "\(request.url): HTTP 401 without a Bearer challenge", status: 401)
        }
        request.authorization = answer
        let again = try await http.fetch(request, supplier: supplier)
        if again.status == 401 {
            throw ObservationError(.auth, "\(request.url): HTTP 401 again with \(with)", status: 401)
        }
        return (again, answer)
    }

    func token(_ challenge: BearerChallenge) async throws -> String {
        let tokenURL = try TokenRequest.url(for: challenge, gun: repository, allowHTTP: allowHTTP)
        let response: FetchedResponse
        do {
            response = try await http.fetch(
                FetchRequest(url: tokenURL, authorization: credential.map { .basic($0) }, maxBytes: FetchLimits.smallBodyBytes),
                supplier: supplier)
        } catch let error as ObservationError where error.kind == .timeout || error.kind == .forbidden {
            // A realm on a refused address stays `forbidden`: the agent's own rule, not the registry's failure.
            throw ObservationError(error.kind, "token endpoint: \(ServerText.clip(error.message, limit: 600))")
        } catch let error as ObservationError {
            // The token URL is built from the server's realm: its messages are clipped.
            throw ObservationError(.auth, "token endpoint (\(error.kind.rawValue)): \(ServerText.clip(error.message, limit: 600))")
        }
        guard response.status == 200 else {
            throw ObservationError(
                .auth, "token endpoint \(ServerText.clip(challenge.realm)) answered HTTP \(response.status)", status: response.status)
        }
        return try TokenRequest.token(from: response.body)
    }
}
