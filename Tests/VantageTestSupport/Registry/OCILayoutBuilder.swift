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

/// An image on disk holding one tagged image or index, and the digests of what was written. With OCI media types it
/// is an OCI image layout; with Docker's it is skopeo's `dir:` layout, since skopeo reads only OCI media types from
/// an OCI layout and would otherwise convert the manifests (and so change their digests) on the way.
public struct OCILayout: Sendable {
    /// The layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`; or `version`, `manifest.json`, blobs).
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
    let mediaTypes: OCIMediaTypes

    /// `skopeo`'s name of it: `oci:DIR:TAG`, or `dir:DIR`.
    public var skopeoReference: String { mediaTypes == .oci ? "oci:\(directory):\(tag)" : "dir:\(directory)" }

    /// The file of the config or layer blob `digest` (`sha256:<hex>`).
    public func blobPath(_ digest: String) -> String {
        BlobWriter.blobPath(directory: directory, mediaTypes: mediaTypes, hex: String(digest.dropFirst("sha256:".count)))
    }
}

/// Writes image layouts by hand: each image is a config and one tiny gzip'd tar layer whose contents derive from
/// `seed`, so two builds with different seeds have different digests and two with the same seed the same ones.
public enum OCILayoutBuilder {
    /// A single-platform image tagged `tag` in a new layout at `directory`.
    public static func image(
        at directory: String, tag: String = "latest", seed: String, platform: OCIPlatform = .linuxAMD64, mediaTypes: OCIMediaTypes = .oci
    ) throws -> OCILayout {
        let writer = try BlobWriter(directory: directory, mediaTypes: mediaTypes)
        let manifest = try writer.manifest(seed: seed, platform: platform)
        try writer.finish(tag: tag, top: manifest, mediaType: mediaTypes.manifest)
        return OCILayout(
            directory: directory, tag: tag, digest: digest(manifest), mediaType: mediaTypes.manifest, bytes: manifest, platforms: [],
            mediaTypes: mediaTypes)
    }

    /// A multi-platform image (an index over one manifest per platform) tagged `tag` in a new layout at `directory`.
    public static func index(
        at directory: String, tag: String = "latest", seed: String, platforms: [OCIPlatform] = [.linuxAMD64, .linuxARM64v8],
        mediaTypes: OCIMediaTypes = .oci
    ) throws -> OCILayout {
        let writer = try BlobWriter(directory: directory, mediaTypes: mediaTypes)
        var entries: [OCIPlatformManifest] = []
        for platform in platforms {
            let manifest = try writer.manifest(seed: seed, platform: platform)
            try writer.instance(manifest)
            entries.append(OCIPlatformManifest(platform: platform, digest: digest(manifest), bytes: manifest))
        }
        let index = try BlobWriter.json([
            "schemaVersion": 2, "mediaType": mediaTypes.index,
            "manifests": entries.map {
                ["mediaType": mediaTypes.manifest, "digest": $0.digest, "size": $0.bytes.count, "platform": $0.platform.json] as [String: Any]
            },
        ])
        try writer.finish(tag: tag, top: index, mediaType: mediaTypes.index)
        return OCILayout(
            directory: directory, tag: tag, digest: digest(index), mediaType: mediaTypes.index, bytes: index, platforms: entries,
            mediaTypes: mediaTypes)
    }

    /// `sha256:<hex>` of `bytes`.
    public static func digest(_ bytes: some Sequence<UInt8>) -> String { "sha256:" + ByteEncoding.hexEncode(SHA256.hash(data: Array(bytes))) }
}

/// Writes the files of one layout: content-addressed blobs, platform manifests and the tagged top entry.
struct BlobWriter {
    let directory: String
    let mediaTypes: OCIMediaTypes

    init(directory: String, mediaTypes: OCIMediaTypes) throws {
        self.directory = directory
        self.mediaTypes = mediaTypes
        let blobs = mediaTypes == .oci ? directory + "/blobs/sha256" : directory
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    }

    static func blobPath(directory: String, mediaTypes: OCIMediaTypes, hex: String) -> String {
        mediaTypes == .oci ? "\(directory)/blobs/sha256/\(hex)" : "\(directory)/\(hex)"
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        try Array(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    private func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    private func hex(_ bytes: [UInt8]) -> String { String(OCILayoutBuilder.digest(bytes).dropFirst("sha256:".count)) }

    /// Writes a config or layer blob; its digest.
    private func blob(_ bytes: [UInt8]) throws -> String {
        try write(bytes, to: Self.blobPath(directory: directory, mediaTypes: mediaTypes, hex: hex(bytes)))
        return OCILayoutBuilder.digest(bytes)
    }

    /// Writes a config and a one-file layer for `platform`; the manifest naming them (not yet written).
    func manifest(seed: String, platform: OCIPlatform) throws -> [UInt8] {
        let tar = TarGzip.tar([(name: "vantage-seed", contents: Array("\(seed) \(platform)\n".utf8))])
        let layer = TarGzip.gzip(tar)
        let config = try Self.json(platform.json.merging([
            "config": ["Labels": ["org.vantage.test.seed": seed]],
            "rootfs": ["type": "layers", "diff_ids": [OCILayoutBuilder.digest(tar)]],
        ]) { $1 })
        return try Self.json([
            "schemaVersion": 2, "mediaType": mediaTypes.manifest,
            "config": ["mediaType": mediaTypes.config, "digest": try blob(config), "size": config.count],
            "layers": [["mediaType": mediaTypes.layer, "digest": try blob(layer), "size": layer.count]],
        ])
    }

    /// Writes a platform manifest of an index (skopeo's `dir:` keeps them beside the blobs as `<hex>.manifest.json`).
    func instance(_ manifest: [UInt8]) throws {
        if mediaTypes == .oci {
            _ = try blob(manifest)
        } else {
            try write(manifest, to: "\(directory)/\(hex(manifest)).manifest.json")
        }
    }

    /// Writes the tagged manifest or index: `index.json` naming it (and `oci-layout`), or `dir:`'s `manifest.json`.
    func finish(tag: String, top: [UInt8], mediaType: String) throws {
        guard mediaTypes == .oci else {
            try write(top, to: directory + "/manifest.json")
            try write(Array("Directory Transport Version: 1.1\n".utf8), to: directory + "/version")
            return
        }
        try write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: directory + "/oci-layout")
        let entry: [String: Any] = [
            "mediaType": mediaType, "digest": try blob(top), "size": top.count,
            "annotations": ["org.opencontainers.image.ref.name": tag],
        ]
        try write(Self.json(["schemaVersion": 2, "manifests": [entry]]), to: directory + "/index.json")
    }
}
