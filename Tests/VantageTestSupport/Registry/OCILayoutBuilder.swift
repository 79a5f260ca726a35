import Crypto
import Foundation
import VantageTUF

/// An OS/architecture(/variant) an image is built for.
public struct OCIPlatform: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String = "linux", architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    public static let linuxAMD64 = OCIPlatform(architecture: "amd64")
    public static let linuxARM64v8 = OCIPlatform(architecture: "arm64", variant: "v8")

    /// `linux/arm64/v8`.
    public var description: String { ([os, architecture] + (variant.map { [$0] } ?? [])).joined(separator: "/") }

    var json: [String: Any] { ["os": os, "architecture": architecture].merging(variant.map { ["variant": $0] } ?? [:]) { $1 } }
}

/// The media types an image is written with: OCI's, or Docker's schema 2 (what Docker Hub serves for most tags).
public enum OCIMediaTypes: Sendable {
    case oci
    case docker

    public var manifest: String {
        self == .oci ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json"
    }
    public var index: String {
        self == .oci ? "application/vnd.oci.image.index.v1+json" : "application/vnd.docker.distribution.manifest.list.v2+json"
    }
    var config: String { self == .oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json" }
    var layer: String { self == .oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip" }
}

/// One platform's manifest inside an index.
public struct OCIPlatformManifest: Sendable, Equatable {
    public var platform: OCIPlatform
    /// `sha256:<hex>` of ``bytes``.
    public var digest: String
    /// The exact manifest bytes.
    public var bytes: [UInt8]
}

/// An OCI image layout on disk holding one tagged image or index, and the digests of what was written.
public struct OCILayout: Sendable {
    /// The layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`).
    public let directory: String
    /// The tag (`org.opencontainers.image.ref.name`) of its one entry.
    public let tag: String
    /// `sha256:<hex>` of ``bytes``: the digest a registry answers for the tag once it is pushed.
    public let digest: String
    /// The media type of ``bytes`` (a manifest, or an index for a multi-platform image).
    public let mediaType: String
    /// The exact bytes of the image manifest or index.
    public let bytes: [UInt8]
    /// For an index, its platforms' manifests in order; empty for a single-platform image.
    public let platforms: [OCIPlatformManifest]

    /// `skopeo`'s name of it: `oci:DIR:TAG`.
    public var skopeoReference: String { "oci:\(directory):\(tag)" }
}

/// Writes OCI image layouts by hand: each image is a config and one tiny gzip'd tar layer whose contents derive from
/// `seed`, so two builds with different seeds have different digests and two with the same seed the same ones.
public enum OCILayoutBuilder {
    /// A single-platform image tagged `tag` in a new layout at `directory`.
    public static func image(
        at directory: String, tag: String = "latest", seed: String, platform: OCIPlatform = .linuxAMD64, mediaTypes: OCIMediaTypes = .oci
    ) throws -> OCILayout {
        let writer = try BlobWriter(directory: directory)
        let manifest = try writer.manifest(seed: seed, platform: platform, mediaTypes: mediaTypes)
        try writer.finish(tag: tag, digest: manifest.digest, size: manifest.bytes.count, mediaType: mediaTypes.manifest)
        return OCILayout(directory: directory, tag: tag, digest: manifest.digest, mediaType: mediaTypes.manifest, bytes: manifest.bytes, platforms: [])
    }

    /// A multi-platform image (an index over one manifest per platform) tagged `tag` in a new layout at `directory`.
    public static func index(
        at directory: String, tag: String = "latest", seed: String, platforms: [OCIPlatform] = [.linuxAMD64, .linuxARM64v8],
        mediaTypes: OCIMediaTypes = .oci
    ) throws -> OCILayout {
        let writer = try BlobWriter(directory: directory)
        var entries: [OCIPlatformManifest] = []
        for platform in platforms {
            let manifest = try writer.manifest(seed: seed, platform: platform, mediaTypes: mediaTypes)
            entries.append(OCIPlatformManifest(platform: platform, digest: manifest.digest, bytes: manifest.bytes))
        }
        let index = try writer.blob(json: [
            "schemaVersion": 2, "mediaType": mediaTypes.index,
            "manifests": entries.map {
                ["mediaType": mediaTypes.manifest, "digest": $0.digest, "size": $0.bytes.count, "platform": $0.platform.json] as [String: Any]
            },
        ])
        try writer.finish(tag: tag, digest: index.digest, size: index.bytes.count, mediaType: mediaTypes.index)
        return OCILayout(directory: directory, tag: tag, digest: index.digest, mediaType: mediaTypes.index, bytes: index.bytes, platforms: entries)
    }

    /// `sha256:<hex>` of `bytes`.
    public static func digest(_ bytes: some Sequence<UInt8>) -> String { "sha256:" + ByteEncoding.hexEncode(SHA256.hash(data: Array(bytes))) }
}

/// Writes content-addressed blobs into `blobs/sha256/` of one layout.
private struct BlobWriter {
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory + "/blobs/sha256", withIntermediateDirectories: true)
    }

    func blob(_ bytes: [UInt8]) throws -> (digest: String, bytes: [UInt8]) {
        let digest = OCILayoutBuilder.digest(bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/blobs/sha256/" + digest.dropFirst("sha256:".count)))
        return (digest, bytes)
    }

    func blob(json: [String: Any]) throws -> (digest: String, bytes: [UInt8]) {
        try blob(Array(JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])))
    }

    /// A config and a one-file layer for `platform`, and the manifest naming them.
    func manifest(seed: String, platform: OCIPlatform, mediaTypes: OCIMediaTypes) throws -> (digest: String, bytes: [UInt8]) {
        let tar = TarGzip.tar([(name: "vantage-seed", contents: Array("\(seed) \(platform)\n".utf8))])
        let layer = try blob(TarGzip.gzip(tar))
        let config = try blob(json: platform.json.merging([
            "config": ["Labels": ["org.vantage.test.seed": seed]],
            "rootfs": ["type": "layers", "diff_ids": [OCILayoutBuilder.digest(tar)]],
        ]) { $1 })
        return try blob(json: [
            "schemaVersion": 2, "mediaType": mediaTypes.manifest,
            "config": ["mediaType": mediaTypes.config, "digest": config.digest, "size": config.bytes.count],
            "layers": [["mediaType": mediaTypes.layer, "digest": layer.digest, "size": layer.bytes.count]],
        ])
    }

    /// `oci-layout` and `index.json` naming the one tagged entry.
    func finish(tag: String, digest: String, size: Int, mediaType: String) throws {
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/oci-layout"))
        let index: [String: Any] = [
            "schemaVersion": 2,
            "manifests": [["mediaType": mediaType, "digest": digest, "size": size, "annotations": ["org.opencontainers.image.ref.name": tag]]],
        ]
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .withoutEscapingSlashes])
            .write(to: URL(fileURLWithPath: directory + "/index.json"))
    }
}
