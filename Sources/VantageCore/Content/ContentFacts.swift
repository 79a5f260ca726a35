import VantageTUF

/// What an agent reports about the bytes of an `oci` or `file` target (the counterpart of a root's
/// ``VantageTUF/RootFingerprint``): the SHA-256 of the exact bytes it received, which is what agents agree on and
/// clients pin, and what the bytes are when recognised.
public struct ContentFacts: Sendable, Hashable, Codable {
    /// Lower-case hex SHA-256 of the exact bytes received (for `oci`, the manifest or index: its content digest).
    public var sha256: String
    /// Size of those bytes.
    public var size: Int
    /// `oci`: the manifest's media type (`application/vnd.oci.image.index.v1+json`, …).
    public var mediaType: String?
    /// `oci` index: each platform's manifest digest.
    public var platforms: [ImagePlatform]?
    /// `file`: the public keys recognised in the bytes (PEM, OpenPGP, SSH), in file order.
    public var keys: [KeyFingerprint]?

    public init(sha256: String, size: Int, mediaType: String? = nil, platforms: [ImagePlatform]? = nil, keys: [KeyFingerprint]? = nil) {
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
        self.platforms = platforms
        self.keys = keys
    }

    enum CodingKeys: String, CodingKey {
        case sha256, size, platforms, keys
        case mediaType = "media_type"
    }
}

/// One entry of an image index: the platform and its manifest's digest.
public struct ImagePlatform: Sendable, Hashable, Codable {
    public var os: String
    public var architecture: String
    public var variant: String?
    /// The platform manifest's digest as the index names it (`sha256:…`).
    public var digest: String

    public init(os: String, architecture: String, variant: String? = nil, digest: String) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.digest = digest
    }

    /// `linux/arm64/v8`.
    public var name: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}
