import Crypto
import Foundation
import VantageCore
import VantageTUF

/// The exact bytes at an https URL (a `file` target: a public key, a keyring, a small trust file): always a `GET`
/// (a file has no digest header to poll with, and is small), capped at ``maxBytes``; the SHA-256 of the bytes is
/// what is reported, with the public keys ``VantageTUF/KeyFileFacts`` recognises in them.
///
/// A `429` throws ``RateLimitedError`` with its `Retry-After`; everything else thrown is an
/// ``VantageCore/ObservationError`` (a body over the cap is `too_large`).
public struct FileContentSource: Sendable {
    public let url: String
    /// The body cap (``FetchLimits/maxFileBytes``, `http.max_file_bytes`, default 256 KiB).
    public let maxBytes: Int
    let http: any HTTPGetting
    let supplier: TargetSupplier
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - supplier: whose target this is (a coordinator's binds every request to `network.allowed_sources`).
    ///   - now: the clock a `Retry-After` is counted from.
    public init(
        url: String, http: any HTTPGetting, maxBytes: Int, supplier: TargetSupplier = .configuration,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.url = url
        self.maxBytes = maxBytes
        self.http = http
        self.supplier = supplier
        self.now = now
    }

    /// Fetches the file; ``FetchedContent/bytes`` is always set.
    public func fetch() async throws -> FetchedContent {
        let response = try await http.fetch(FetchRequest(url: url, accept: ["*/*"], maxBytes: maxBytes), supplier: supplier)
        if response.status == 429 { throw RateLimitedError.make(response, now: now()) }
        guard response.status == 200 else { throw HTTPStatusError.make(response) }
        let bytes = response.body
        let keys = KeyFileFacts.keys(in: bytes)
        let facts = ContentFacts(
            sha256: ByteEncoding.hexEncode(SHA256.hash(data: bytes)), size: bytes.count, keys: keys.isEmpty ? nil : keys)
        return FetchedContent(facts: facts, bytes: bytes)
    }
}
