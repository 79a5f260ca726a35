import ArgumentParser
import VantageClient
import VantageCore

public struct PinsResolveCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Print each image tag pinned to the digest a quorum of agents attested (docker.io/library/ubuntu:24.04@sha256:…).",
        discussion: """
            IMAGE as docker writes it (`ubuntu:24.04` is docker.io/library/ubuntu:24.04; no tag is latest). Each tag is \
            bound to its registry, repository and tag: a digest attested for another is never used (source_mismatch). \
            When the trust policy lists a target for every image's source, only those pins are fetched, with their \
            inclusion proofs; otherwise the whole list is verified and the pins attested for those sources are used. \
            Verified offline as `verify` does, with the trust policy's change policy per target. All or nothing: \
            exit 0 with one line per image (or --format json), 12 and nothing on stdout when any image has no pin \
            that verifies, 64 usage, 78 unusable trust policy.
            """
    )

    @Argument(help: "Image tags to resolve.")
    var images: [String]

    @OptionGroup var options: PinsOptions

    @Option(help: "Output format: table (one reference per line), json or jsonl.")
    var format: OutputFormat = .table

    /// One image's answer (`--format json`: an array of these, in the order asked).
    struct Report: Encodable {
        /// The image as written.
        var image: String
        /// The tag in normal form (`docker.io/library/ubuntu:24.04`).
        var reference: String
        var digest: String
        /// `reference@digest`.
        var pinned: String
        /// The targets whose verified pins gave the digest.
        var targets: [String]
    }

    public func validate() throws {
        if images.isEmpty { throw ValidationError("name at least one image") }
        if options.server != nil || options.gun != nil { throw ValidationError("an image names its own registry: drop --server/--gun") }
        for image in images { _ = try Self.tag(image) }
    }

    /// `written` parsed as a tag: a reference that already names a digest has nothing to resolve.
    static func tag(_ written: String) throws -> ImageReference {
        let reference: ImageReference
        do { reference = try ImageReference(parsing: written) } catch { throw ValidationError(error.reason) }
        guard reference.digest == nil else { throw ValidationError("\(written) names a digest already: resolve takes a tag") }
        return reference
    }

    public func run() async throws {
        let policy = try options.loadPolicy()
        let tags = try images.map(Self.tag)
        let reports: [Report]
        do {
            let resolved = try await ImagePins(options: options, policy: policy).resolve(Set(tags)).get()
            reports = try zip(images, tags).map { written, tag in
                guard let digest = resolved.digests[tag] else {
                    throw PinListVerifier.Failure(rule: PinListVerifier.Rule.noPin, target: tag.canonical,
                        "no pin in list v\(resolved.verified.header.signed.version) is attested for \(tag.canonical)")
                }
                return Report(image: written, reference: tag.canonical, digest: digest, pinned: "\(tag.canonical)@\(digest)",
                              targets: resolved.targets[tag] ?? [])
            }
        } catch { throw Failure.report(error) }
        // Nothing reaches stdout before every image resolved.
        try Output.emit(reports, format: format) { reports in reports.map { $0.pinned + "\n" }.joined() }
    }
}
