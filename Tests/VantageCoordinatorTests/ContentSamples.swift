import Crypto
import Foundation
import Synchronization
import VantageCore
import VantageTestSupport
import VantageTUF

/// What an honest agent reports for an `oci` manifest or a `file`, and the signed observations of it: the facts come
/// from the fixture that made the bytes (``OCILayoutBuilder``, ``KeyFileSamples``), not from the code under test.
struct ContentSample: Sendable {
    var bytes: [UInt8]
    var facts: ContentFacts

    static let registry = "https://registry.example.test"
    static let ociSource = RepositorySource(kind: .oci, url: registry, gun: nil, repository: "library/app", tag: "1.2")!
    static let fileSource = RepositorySource(kind: .file, url: "https://keys.example.test/release.pub", gun: nil)!

    /// An image index over two platforms whose manifests derive from `seed` (another seed, another digest).
    static func index(seed: String) throws -> ContentSample {
        let scratch = try Scratch("vantage-layout")
        defer { scratch.remove() }
        let layout = try OCILayoutBuilder.index(at: scratch.path, seed: seed)
        let platforms = layout.platforms.map {
            ImagePlatform(os: $0.platform.os, architecture: $0.platform.architecture, variant: $0.platform.variant, digest: $0.digest)
        }
        return ContentSample(bytes: layout.bytes, facts: facts(layout.bytes, mediaType: layout.mediaType, platforms: platforms))
    }

    /// A key file and the keys its tool printed for it.
    static func file(_ sample: KeyFileSamples.File) -> ContentSample {
        ContentSample(bytes: sample.bytes, facts: facts(sample.bytes, keys: sample.keys.isEmpty ? nil : sample.keys))
    }

    static func facts(_ bytes: [UInt8], mediaType: String? = nil, platforms: [ImagePlatform]? = nil, keys: [KeyFingerprint]? = nil) -> ContentFacts {
        ContentFacts(
            sha256: ByteEncoding.hexEncode(SHA256.hash(data: bytes)), size: bytes.count, mediaType: mediaType, platforms: platforms, keys: keys)
    }

    var sha256: String { facts.sha256 }
}

extension TestAgent {
    /// A signed observation of `sample` for `target` fetched from `source`, at `at`, with the agent's verdict
    /// `continuity`; the bytes go along unless `sendBytes` is false.
    func observe(
        _ target: String, source: RepositorySource, content sample: ContentSample, at: Timestamp, continuity: Continuity = .firstSight,
        sendBytes: Bool = true
    ) throws -> SignedObservation {
        let next = sequence.withLock { value -> Int64 in
            value += 1
            return value
        }
        let observation = Observation(
            agent: id, region: region, target: target, source: source, observedAt: at, sequence: next, latencyMilliseconds: 12,
            continuity: continuity, content: sample.facts)
        return try SignedObservation(signing: observation, with: identity, rootBytes: sendBytes ? sample.bytes : nil)
    }
}
