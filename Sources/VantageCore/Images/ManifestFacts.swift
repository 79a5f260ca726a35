import VantageTUF

/// What an agent reads from a registry's manifest or index bytes: the media type and, for an index, each entry's
/// platform and manifest digest (the rest of ``ContentFacts``; the digest is the SHA-256 of the bytes themselves).
public enum ManifestFacts {
    /// Largest accepted manifest or index: distribution caps manifest uploads at 4 MiB.
    public static let maxBytes = 4 << 20
    /// Most entries read from an index (real ones have tens).
    public static let maxPlatforms = 1024

    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

    /// The media types Vantage accepts, in the order to send them in `Accept`.
    public static let acceptedMediaTypes = [ociIndex, ociManifest, dockerManifestList, dockerManifest]

    /// The media types that name an index (a multi-platform image).
    public static let indexMediaTypes: Set<String> = [ociIndex, dockerManifestList]

    /// Reads the media type and platforms of a manifest or index.
    ///
    /// The media type is the JSON `mediaType` member, else the `Content-Type` header without parameters; when both
    /// are present they must agree, and it must be one of ``acceptedMediaTypes``. `schemaVersion` must be 2. For an
    /// index, every `manifests[]` entry must name a `sha256:` digest; its `platform` (`os`, `architecture`, optional
    /// `variant`: 1-64 of `A-Z a-z 0-9 . _ + -`) becomes an ``ImagePlatform``, and an entry without one is listed as
    /// `unknown/unknown`, as buildx writes for attestations. The JSON is read by the strict ``JSONReader``
    /// (duplicate keys, fractions and nesting beyond 32 levels are refused).
    /// - Parameters:
    ///   - bytes: the body as received, at most ``maxBytes``.
    ///   - contentType: the response's `Content-Type` header, if any.
    /// - Returns: the media type and, for an index, its platforms (`nil` for a single manifest); or a
    ///   ``CoreError`` (`malformed_document`) with one line naming what is wrong.
    public static func parse(_ bytes: [UInt8], contentType: String?) -> Result<(mediaType: String, platforms: [ImagePlatform]?), CoreError> {
        Result { () throws(CoreError) in try read(bytes, contentType: contentType) }
    }

    private static func refuse(_ why: String) -> CoreError { CoreError(.malformedDocument, "manifest: \(why)") }

    private static func read(_ bytes: [UInt8], contentType: String?) throws(CoreError) -> (mediaType: String, platforms: [ImagePlatform]?) {
        guard bytes.count <= maxBytes else { throw refuse("\(bytes.count) bytes, limit is \(maxBytes)") }
        let document: JSONValue
        do {
            document = try JSONReader(limits: JSONLimits(maxBytes: maxBytes, maxDepth: 32)).read(bytes)
        } catch {
            throw refuse("not JSON (\(error.reason))")
        }
        guard document.objectValue != nil else { throw refuse("not a JSON object") }
        guard document["schemaVersion"]?.integerValue == 2 else { throw refuse("schemaVersion must be 2") }
        let header = contentType.map(mediaType(ofHeader:)).flatMap { $0.isEmpty ? nil : $0 }
        var mediaType = header
        if let member = document["mediaType"] {
            guard let stated = member.stringValue else { throw refuse("mediaType is not a string") }
            if let header, header != stated {
                throw refuse("mediaType \(quoted(stated)) disagrees with Content-Type \(quoted(header))")
            }
            mediaType = stated
        }
        guard let mediaType else { throw refuse("no mediaType and no Content-Type") }
        guard acceptedMediaTypes.contains(mediaType) else { throw refuse("media type \(quoted(mediaType)) is not accepted") }
        guard indexMediaTypes.contains(mediaType) else { return (mediaType, nil) }
        guard let entries = document["manifests"]?.arrayValue else { throw refuse("an index needs a manifests array") }
        guard entries.count <= maxPlatforms else { throw refuse("\(entries.count) manifests, limit is \(maxPlatforms)") }
        var platforms: [ImagePlatform] = []
        for (index, entry) in entries.enumerated() {
            platforms.append(try platform(entry, index: index))
        }
        return (mediaType, platforms)
    }

    private static func platform(_ entry: JSONValue, index: Int) throws(CoreError) -> ImagePlatform {
        guard let digest = entry["digest"]?.stringValue, ImageReference.isDigest(digest) else {
            throw refuse("manifests[\(index)].digest must be sha256: and 64 lower-case hex digits")
        }
        guard let platform = entry["platform"] else { return ImagePlatform(os: "unknown", architecture: "unknown", digest: digest) }
        func field(_ key: String) throws(CoreError) -> String? {
            guard let value = platform[key] else { return nil }
            guard let text = value.stringValue, isPlatformWord(text) else {
                throw refuse("manifests[\(index)].platform.\(key) must be 1-64 of A-Z a-z 0-9 . _ + -")
            }
            return text
        }
        guard let os = try field("os"), let architecture = try field("architecture") else {
            throw refuse("manifests[\(index)].platform needs os and architecture")
        }
        return ImagePlatform(os: os, architecture: architecture, variant: try field("variant"), digest: digest)
    }

    /// `application/vnd.oci.image.index.v1+json` from `Application/VND.oci.image.index.v1+json; charset=utf-8`.
    static func mediaType(ofHeader header: String) -> String {
        header.prefix { $0 != ";" }.trimmingBlanks().lowercased()
    }

    /// Platform words are shown to people: no spaces, quotes or control bytes.
    static func isPlatformWord(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                ImageGrammar.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+")
                    || $0 == UInt8(ascii: "-")
            }
    }

    private static func quoted(_ text: String) -> String { String(reflecting: String(text.prefix(100))) }
}
