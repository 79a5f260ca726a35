import Crypto
import Foundation
import VantageCore
import VantageTUF

/// The manifest (or index) an OCI / Docker registry names for one tag: `/v2/{repository}/manifests/{tag}` on the
/// registry's API base URL, asked with the four ``VantageCore/ManifestFacts/acceptedMediaTypes``.
///
/// Docker Hub counts manifest `GET`s against a low anonymous rate limit and not `HEAD`s: with the facts this agent
/// last verified for the source (`known`), a `HEAD` comes first, and when its `Docker-Content-Digest` names
/// exactly that digest nothing is fetched. Otherwise (no `known`, another digest, no header) the manifest is
/// fetched and its SHA-256 computed over the exact bytes received: that is the digest reported, and a
/// `Docker-Content-Digest` that disagrees with it is refused as `malformed` (a registry's header is a claim, the
/// bytes are the proof). A path that lies on `HEAD` can therefore hold this agent on the digest it last verified,
/// never make it report one it did not hash; the other agents' views show such a freeze as a split.
///
/// Authorization follows ``RegistryAuthFlow`` (scope `repository:{repository}:pull`, the token realm held to the
/// agent's network rules, the registry's ``RegistryCredential`` sent as HTTP basic to the realm or to a `Basic`
/// registry). Bodies are capped at ``maxBytes``. A `429` throws ``RateLimitedError`` with its `Retry-After`;
/// everything else thrown is an ``VantageCore/ObservationError``.
public actor OCIManifestSource {
    /// The registry's API base URL (`https://registry-1.docker.io`), without a trailing `/`.
    public nonisolated let registryURL: String
    public nonisolated let repository: String
    public nonisolated let tag: String
    /// The body cap: the agent's `http.max_response_bytes`, at most ``VantageCore/ManifestFacts/maxBytes`` (4 MiB).
    public nonisolated let maxBytes: Int
    let flow: RegistryAuthFlow
    let now: @Sendable () -> Date
    /// The authorization of this probe, once a challenge was answered.
    var authorization: HTTPAuthorization?

    /// - Parameters:
    ///   - registryURL: the API base URL the target's source names.
    ///   - repository: the repository path (`library/ubuntu`) and `tag`, both as the distribution grammar allows
    ///     (anything else is refused as `malformed` by ``fetch(known:)``, never put in a URL).
    ///   - maxBytes: the agent's response cap; clamped to ``VantageCore/ManifestFacts/maxBytes``.
    ///   - supplier: whose target this is (a coordinator's binds every request, the token realm included, to
    ///     `network.allowed_sources`).
    ///   - credential: this registry's credentials from `registry.docker_config`, if any.
    ///   - now: the clock a `Retry-After` is counted from.
    public init(
        registryURL: String, repository: String, tag: String, http: any HTTPGetting, maxBytes: Int,
        supplier: TargetSupplier = .configuration, credential: RegistryCredential? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.registryURL = registryURL.hasSuffix("/") ? String(registryURL.dropLast()) : registryURL
        self.repository = repository
        self.tag = tag
        self.maxBytes = min(maxBytes, ManifestFacts.maxBytes)
        flow = RegistryAuthFlow(
            http: http, supplier: supplier, repository: repository, allowHTTP: registryURL.lowercased().hasPrefix("http://"),
            credential: credential)
        self.now = now
    }

    /// `{registryURL}/v2/{repository}/manifests/{tag}`.
    public nonisolated var manifestURL: String { "\(registryURL)/v2/\(repository)/manifests/\(tag)" }

    /// Fetches the tag's manifest, or confirms with a `HEAD` that it is still `known`.
    /// - Parameter known: the facts this agent last verified by `GET` for this source, if any.
    /// - Returns: the facts, with the bytes when they were fetched (`nil` when the `HEAD` matched `known`).
    public func fetch(known: ContentFacts?) async throws -> FetchedContent {
        guard ImageGrammar.isValidRepository(repository), ImageGrammar.isValidTag(tag) else {
            let shown = "\(ServerText.clip(repository, limit: 100)):\(ServerText.clip(tag, limit: 100))"
            throw ObservationError(.malformed, "\(shown) is not a valid repository and tag")
        }
        if let known {
            let head = try await send(.head)
            if head.status == 200, head.dockerContentDigest == "sha256:" + known.sha256 {
                return FetchedContent(facts: known, bytes: nil)
            }
        }
        let response = try await send(.get)
        guard response.status == 200 else { throw HTTPStatusError.make(response) }
        let bytes = response.body
        let digest = ByteEncoding.hexEncode(SHA256.hash(data: bytes))
        if let claimed = response.dockerContentDigest, claimed != "sha256:" + digest {
            throw ObservationError(
                .malformed,
                "\(ServerText.clip(response.url)): Docker-Content-Digest \(ServerText.clip(claimed, limit: 100)) disagrees with the "
                    + "sha256:\(digest) of the \(bytes.count) bytes received")
        }
        switch ManifestFacts.parse(bytes, contentType: response.contentType) {
        case .success(let facts):
            let content = ContentFacts(sha256: digest, size: bytes.count, mediaType: facts.mediaType, platforms: facts.platforms)
            return FetchedContent(facts: content, bytes: bytes)
        case .failure(let error):
            throw ObservationError(.malformed, "\(ServerText.clip(response.url)): \(error.reason)")
        }
    }

    /// One request for the manifest through the authorization flow; a `429` becomes ``RateLimitedError``.
    func send(_ method: FetchRequest.Method) async throws -> FetchedResponse {
        let request = FetchRequest(url: manifestURL, method: method, accept: ManifestFacts.acceptedMediaTypes, maxBytes: maxBytes)
        let (response, kept) = try await flow.send(request, authorization: authorization)
        authorization = kept
        if response.status == 429 { throw RateLimitedError.make(response, now: now()) }
        return response
    }
}
