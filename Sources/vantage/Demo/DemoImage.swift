import Crypto
import VantageCore
import VantageTUF

/// The demo's image: a release of `library/demo:1.0` is an OCI image index for linux/amd64 and linux/arm64/v8 and
/// the two image manifests it names, each digest the SHA-256 of the exact bytes served.
struct DemoImage {
    static let repository = "library/demo"
    static let tag = "1.0"
    static let platforms: [(architecture: String, variant: String?)] = [("amd64", nil), ("arm64", "v8")]

    /// `linux/amd64, linux/arm64/v8`.
    static var platformNames: String {
        platforms.map { ["linux", $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") }.joined(separator: ", ")
    }

    /// One document a registry serves: its bytes and media type.
    struct Document: Sendable {
        var bytes: [UInt8]
        var mediaType: String
        /// `sha256:…` of ``bytes``.
        var digest: String { "sha256:" + ByteEncoding.hexEncode(SHA256.hash(data: bytes)) }

        init(_ value: JSONValue, mediaType: String) {
            bytes = CanonicalJSON.encodeWire(value)
            self.mediaType = mediaType
        }

        /// An OCI descriptor of this document (`mediaType`, `digest`, `size`), with `extra` members.
        func descriptor(_ extra: [String: JSONValue] = [:]) -> JSONValue {
            let members: [String: JSONValue] = ["mediaType": .string(mediaType), "digest": .string(digest), "size": .integer(Int64(bytes.count))]
            return .object(extra.merging(members) { $1 })
        }
    }

    let index: Document
    let manifests: [Document]

    /// The release built as `build` (a new build of the same tag gives new configs, so new digests throughout).
    init(build: String) {
        let platforms = Self.platforms.map { platform -> [String: JSONValue] in
            var members: [String: JSONValue] = ["os": .string("linux"), "architecture": .string(platform.architecture)]
            if let variant = platform.variant { members["variant"] = .string(variant) }
            return members
        }
        manifests = platforms.map { platform in
            let labels: JSONValue = .object(["org.opencontainers.image.version": .string(Self.tag), "build": .string(build)])
            let rootfs: JSONValue = .object(["type": .string("layers"), "diff_ids": .array([])])
            let config = Document(
                .object(platform.merging(["config": .object(["Labels": labels]), "rootfs": rootfs]) { $1 }),
                mediaType: "application/vnd.oci.image.config.v1+json")
            return Document(
                .object([
                    "schemaVersion": .integer(2), "mediaType": .string(ManifestFacts.ociManifest), "config": config.descriptor(),
                    "layers": .array([]),
                ]),
                mediaType: ManifestFacts.ociManifest)
        }
        let entries = zip(manifests, platforms).map { manifest, platform in manifest.descriptor(["platform": .object(platform)]) }
        index = Document(
            .object(["schemaVersion": .integer(2), "mediaType": .string(ManifestFacts.ociIndex), "manifests": .array(entries)]),
            mediaType: ManifestFacts.ociIndex)
    }
}
