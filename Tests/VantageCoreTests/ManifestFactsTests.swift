import Testing
import VantageCore

/// Manifest and index bodies as registries serve them.
enum Manifests {
    static let config = #"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(Digests.e)","size":2}"#

    /// A single-platform manifest; `mediaType: nil` leaves the member out (OCI allows that).
    static func manifest(_ mediaType: String? = ManifestFacts.ociManifest, schemaVersion: String = "2", extra: String = "") -> String {
        let type = mediaType.map { #""mediaType":"\#($0)","# } ?? ""
        return #"{"schemaVersion":\#(schemaVersion),\#(type)"config":\#(config),"layers":[]\#(extra)}"#
    }

    static func index(_ entries: [String], mediaType: String = ManifestFacts.ociIndex) -> String {
        #"{"schemaVersion":2,"mediaType":"\#(mediaType)","manifests":[\#(entries.joined(separator: ","))]}"#
    }

    /// An index entry; `platform` is the JSON of its platform object, `nil` for none.
    static func entry(_ digest: String, _ platform: String?) -> String {
        let member = platform.map { #","platform":\#($0)"# } ?? ""
        return #"{"mediaType":"\#(ManifestFacts.ociManifest)","digest":"\#(digest)","size":500\#(member)}"#
    }

    static func platform(_ os: String, _ architecture: String, _ variant: String? = nil) -> String {
        let member = variant.map { #","variant":"\#($0)""# } ?? ""
        return #"{"architecture":"\#(architecture)","os":"\#(os)"\#(member)}"#
    }

    /// A multi-platform index as buildx pushes it: two platforms and an attestation manifest.
    static let multiPlatform = index([
        entry(Digests.a, platform("linux", "amd64")),
        entry(Digests.b, platform("linux", "arm64", "v8")),
        entry(Digests.c, platform("unknown", "unknown")),
    ])

    /// A manifest of exactly `size` bytes, padded with an annotation.
    static func padded(to size: Int) -> String {
        let empty = manifest(extra: #","annotations":{"pad":""}"#)
        return manifest(extra: #","annotations":{"pad":"\#(String(repeating: "x", count: size - empty.utf8.count))"}"#)
    }
}

@Suite("ManifestFacts: media type and platforms of a manifest or index")
struct ManifestFactsTests {
    struct Accepted: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var contentType: String?
        var mediaType: String
        var platforms: [ImagePlatform]?
        var testDescription: String { name }
    }

    static let accepted: [Accepted] = [
        .init(name: "OCI manifest, header agrees", body: Manifests.manifest(), contentType: ManifestFacts.ociManifest, mediaType: ManifestFacts.ociManifest),
        .init(name: "Docker v2 manifest, no header", body: Manifests.manifest(ManifestFacts.dockerManifest), contentType: nil, mediaType: ManifestFacts.dockerManifest),
        .init(name: "no mediaType member: the header's type, parameters and case dropped", body: Manifests.manifest(nil),
              contentType: " Application/VND.oci.image.manifest.v1+json ; charset=utf-8", mediaType: ManifestFacts.ociManifest),
        .init(name: "empty header: the member decides", body: Manifests.manifest(), contentType: "", mediaType: ManifestFacts.ociManifest),
        .init(name: "OCI index with platforms and an attestation entry kept", body: Manifests.multiPlatform, contentType: ManifestFacts.ociIndex,
              mediaType: ManifestFacts.ociIndex, platforms: [
                  ImagePlatform(os: "linux", architecture: "amd64", digest: Digests.a),
                  ImagePlatform(os: "linux", architecture: "arm64", variant: "v8", digest: Digests.b),
                  ImagePlatform(os: "unknown", architecture: "unknown", digest: Digests.c),
              ]),
        .init(name: "Docker manifest list; an entry without platform is unknown/unknown", body: Manifests.index(
                  [Manifests.entry(Digests.a, Manifests.platform("linux", "arm", "v7")), Manifests.entry(Digests.d, nil)],
                  mediaType: ManifestFacts.dockerManifestList),
              contentType: ManifestFacts.dockerManifestList, mediaType: ManifestFacts.dockerManifestList, platforms: [
                  ImagePlatform(os: "linux", architecture: "arm", variant: "v7", digest: Digests.a),
                  ImagePlatform(os: "unknown", architecture: "unknown", digest: Digests.d),
              ]),
        .init(name: "empty index", body: Manifests.index([]), contentType: nil, mediaType: ManifestFacts.ociIndex, platforms: []),
        .init(name: "exactly 4 MiB", body: Manifests.padded(to: 4 << 20), contentType: nil, mediaType: ManifestFacts.ociManifest),
    ]

    @Test("accepted manifests", arguments: accepted)
    func accepts(_ c: Accepted) throws {
        let facts = try ManifestFacts.parse(Array(c.body.utf8), contentType: c.contentType).get()
        #expect(facts.mediaType == c.mediaType)
        #expect(facts.platforms == c.platforms)
    }

    @Test("the Accept list is the four media types, indexes first")
    func acceptList() {
        #expect(ManifestFacts.acceptedMediaTypes == [
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
        ])
    }

    /// A body refused, the same body without the one bad change (accepted), and a fragment of the reason.
    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        var bad: (body: String, contentType: String?)
        var control: (body: String, contentType: String?)
        var reason: String
        var testDescription: String { name }
        init(_ name: String, _ bad: (String, String?), control: (String, String?), _ reason: String) {
            self.name = name
            self.bad = bad
            self.control = control
            self.reason = reason
        }
    }

    static let refused: [Refused] = {
        let index = ManifestFacts.ociIndex
        let manifest = ManifestFacts.ociManifest
        let entry = { (platform: String) in Manifests.index([Manifests.entry(Digests.a, platform)]) }
        return [
            .init("mediaType member disagrees with Content-Type", (Manifests.manifest(index), manifest), control: (Manifests.manifest(manifest), manifest),
                  "disagrees with Content-Type"),
            .init("index served under a manifest Content-Type", (Manifests.multiPlatform, manifest), control: (Manifests.multiPlatform, index),
                  "disagrees with Content-Type"),
            .init("Content-Type not accepted and no member", (Manifests.manifest(nil), "application/json"), control: (Manifests.manifest(nil), manifest),
                  "is not accepted"),
            .init("schema 1 media type", (Manifests.manifest("application/vnd.docker.distribution.manifest.v1+prettyjws"), nil),
                  control: (Manifests.manifest(ManifestFacts.dockerManifest), nil), "is not accepted"),
            .init("member in another case than accepted", (Manifests.manifest("Application/vnd.oci.image.manifest.v1+json"), nil),
                  control: (Manifests.manifest(manifest), nil), "is not accepted"),
            .init("no mediaType and no Content-Type", (Manifests.manifest(nil), nil), control: (Manifests.manifest(nil), manifest), "no mediaType"),
            .init("mediaType not a string", (Manifests.manifest(nil, extra: #","mediaType":2"#), manifest), control: (Manifests.manifest(nil), manifest),
                  "mediaType is not a string"),
            .init("not JSON (an HTML error page)", ("<html>rate limited</html>", manifest), control: (Manifests.manifest(), manifest), "not JSON"),
            .init("empty body", ("", manifest), control: (Manifests.manifest(), manifest), "not JSON"),
            .init("truncated JSON", (String(Manifests.manifest().dropLast()), manifest), control: (Manifests.manifest(), manifest), "not JSON"),
            .init("a JSON array", ("[\(Manifests.manifest())]", manifest), control: (Manifests.manifest(), manifest), "not a JSON object"),
            .init("duplicate mediaType member", (Manifests.manifest(index, extra: #","mediaType":"\#(manifest)""#), nil),
                  control: (Manifests.manifest(manifest), nil), "not JSON"),
            .init("schemaVersion 1", (Manifests.manifest(schemaVersion: "1"), nil), control: (Manifests.manifest(), nil), "schemaVersion must be 2"),
            .init("schemaVersion as a string", (Manifests.manifest(schemaVersion: "\"2\""), nil), control: (Manifests.manifest(), nil), "schemaVersion must be 2"),
            .init("no schemaVersion", (Manifests.manifest().replacing(#""schemaVersion":2,"#, with: ""), nil), control: (Manifests.manifest(), nil),
                  "schemaVersion must be 2"),
            .init("over 4 MiB", (Manifests.padded(to: (4 << 20) + 1), nil), control: (Manifests.padded(to: 4 << 20), nil), "limit is 4194304"),
            .init("index without manifests", (Manifests.manifest(index), nil), control: (Manifests.index([]), nil), "needs a manifests array"),
            .init("index entry digest is sha512", (Manifests.index([Manifests.entry("sha512:" + String(repeating: "a", count: 128), nil)]), nil),
                  control: (Manifests.index([Manifests.entry(Digests.a, nil)]), nil), "manifests[0].digest"),
            .init("index entry digest in upper case", (Manifests.index([Manifests.entry("sha256:" + String(repeating: "A", count: 64), nil)]), nil),
                  control: (Manifests.index([Manifests.entry(Digests.a, nil)]), nil), "manifests[0].digest"),
            .init("platform without architecture", (entry(#"{"os":"linux"}"#), nil), control: (entry(Manifests.platform("linux", "amd64")), nil),
                  "needs os and architecture"),
            .init("platform that is not an object", (entry(#""linux/amd64""#), nil), control: (entry(Manifests.platform("linux", "amd64")), nil),
                  "needs os and architecture"),
            .init("terminal escape in os", (entry(Manifests.platform(#"linux\u001b[31m"#, "amd64")), nil),
                  control: (entry(Manifests.platform("linux", "amd64")), nil), "platform.os must be"),
            .init("space in variant", (entry(Manifests.platform("linux", "arm", "v 7")), nil),
                  control: (entry(Manifests.platform("linux", "arm", "v7")), nil), "platform.variant must be"),
            .init("empty architecture", (entry(Manifests.platform("linux", "")), nil),
                  control: (entry(Manifests.platform("linux", "amd64")), nil), "platform.architecture must be"),
            .init("more than 1024 entries", (Manifests.index(Array(repeating: Manifests.entry(Digests.a, nil), count: 1025)), nil),
                  control: (Manifests.index(Array(repeating: Manifests.entry(Digests.a, nil), count: 1024)), nil), "limit is 1024"),
        ]
    }()

    @Test("refused manifests (each beside its accepted control)", arguments: refused)
    func refuses(_ c: Refused) {
        #expect(throws: Never.self) { try ManifestFacts.parse(Array(c.control.body.utf8), contentType: c.control.contentType).get() }
        switch ManifestFacts.parse(Array(c.bad.body.utf8), contentType: c.bad.contentType) {
        case .success(let facts): Issue.record("accepted \(facts.mediaType)")
        case .failure(let error):
            #expect(error.code == .malformedDocument)
            #expect(error.reason.contains(c.reason), "\(error.reason)")
            #expect(!error.reason.contains("\n") && !error.reason.contains("\u{1B}"), "the reason is one printable line")
        }
    }
}
