/// Pins the images of a Dockerfile to digests: every `FROM`, `COPY --from=` and `RUN --mount=…,from=` image (not a
/// stage) gets `@sha256:…` appended, or its digest replaced, keeping every other byte of the file as it was.
///
/// The pinner is pure: the digests come from `resolve`, which the caller backs with a verified pin list. Lines it
/// cannot pin (a build argument, no pin, an invalid name) are left as they are and reported as ``Finding``s; a
/// caller that writes the file back should refuse to when there are any.
public struct DockerfilePinner: Sendable {
    /// Returns the pinned digest (`sha256:` and 64 lower-case hex) of a tag, or `nil` when it has no pin. It is
    /// given the reference without a digest (``ImageReference/withoutDigest``), so it can be a dictionary lookup.
    public typealias Resolver = @Sendable (ImageReference) -> String?

    /// Why an image line is not pinned to its resolved digest (a stable `rawValue` for JSON output).
    public enum Problem: String, Sendable, Hashable, Codable {
        /// The image is written with a build argument (`${BASE}`, `$BASE`): only a build knows it.
        case buildArgument = "build_argument"
        /// The image is not a valid reference.
        case invalidReference = "invalid_reference"
        /// The image names a digest and no tag: there is no tag to resolve.
        case digestWithoutTag = "digest_without_tag"
        /// The resolver has no pin for the tag.
        case noPin = "no_pin"
        /// The resolver answered something that is not a `sha256:` digest.
        case invalidPin = "invalid_pin"
        /// `check`: the image has no digest.
        case notPinned = "not_pinned"
        /// `check`: the image is pinned to another digest than the resolver's.
        case pinnedElsewhere = "pinned_elsewhere"
        /// A line continuation splits the image, so it cannot be rewritten in place.
        case splitAcrossLines = "split_across_lines"
    }

    /// An image line that is not (or could not be) pinned.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        /// 1-based line of the image.
        public var line: Int
        /// The image as written.
        public var image: String
        public var problem: Problem
        /// One line for people, e.g. `no pin for docker.io/library/foo:1`.
        public var reason: String

        /// `no pin for docker.io/library/foo:1 (line 3)`.
        public var description: String { "\(reason) (line \(line))" }
    }

    /// One image the pinner rewrote.
    public struct Rewrite: Sendable, Hashable {
        /// 1-based line of the image.
        public var line: Int
        /// The image as written before.
        public var image: String
        /// What it now reads (the written name and tag, `@`, the digest).
        public var pinned: String
    }

    /// The result of ``pin(_:)``.
    public struct Outcome: Sendable, Hashable {
        /// The rewritten file.
        public var bytes: [UInt8]
        /// The images rewritten, in file order (those already pinned to the resolver's digest are not listed).
        public var rewrites: [Rewrite]
        /// The images left as they were and why, in file order.
        public var findings: [Finding]

        /// ``bytes`` as text.
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    let resolve: Resolver

    public init(resolve: @escaping Resolver) {
        self.resolve = resolve
    }

    /// Rewrites every image that has a pin to `written name and tag@digest`.
    public func pin(_ dockerfile: some Collection<UInt8>) -> Outcome {
        var bytes = Array(dockerfile)
        var rewrites: [Rewrite] = []
        var findings: [Finding] = []
        var edits: [(range: Range<Int>, replacement: [UInt8])] = []
        for image in DockerfileScanner.images(in: bytes) {
            switch verdict(image) {
            case .finding(let finding):
                findings.append(finding)
            case .pinned:
                break
            case .unpinned(let digest, _):
                guard let range = image.range else {
                    findings.append(finding(image, .splitAcrossLines, "\(image.written) is split by a line continuation; join it to pin it"))
                    continue
                }
                let nameAndTag = image.written.prefix { $0 != "@" }
                let pinned = "\(nameAndTag)@\(digest)"
                edits.append((range, Array(pinned.utf8)))
                rewrites.append(Rewrite(line: image.line, image: image.written, pinned: pinned))
            }
        }
        for edit in edits.reversed() { bytes.replaceSubrange(edit.range, with: edit.replacement) }
        return Outcome(bytes: bytes, rewrites: rewrites, findings: findings)
    }

    /// The images not pinned to the resolver's digest (`--check`); empty when the file is fully pinned.
    public func check(_ dockerfile: some Collection<UInt8>) -> [Finding] {
        DockerfileScanner.images(in: Array(dockerfile)).compactMap { image in
            switch verdict(image) {
            case .finding(let finding): return finding
            case .pinned: return nil
            case .unpinned(let digest, let reference):
                guard let written = reference.digest else {
                    return finding(image, .notPinned, "\(reference.canonical) is not pinned; its pin is \(digest)")
                }
                return finding(image, .pinnedElsewhere, "\(reference.canonical) is pinned to \(written); its pin is \(digest)")
            }
        }
    }

    private enum Verdict {
        case finding(Finding)
        /// Already written with the resolver's digest.
        case pinned
        /// The resolver's digest, and the reference as written (with its digest, if any).
        case unpinned(String, ImageReference)
    }

    private func verdict(_ image: DockerfileImage) -> Verdict {
        if image.written.contains("$") {
            return .finding(finding(image, .buildArgument, "\(image.written) uses a build argument and cannot be resolved"))
        }
        let reference: ImageReference
        switch ImageReference.parse(image.written) {
        case .success(let parsed): reference = parsed
        case .failure(let error): return .finding(finding(image, .invalidReference, error.reason))
        }
        if reference.digest != nil, ImageReference.split(image.written[...]).tag == nil {
            return .finding(finding(image, .digestWithoutTag, "\(image.written) names a digest without a tag; there is no tag to resolve"))
        }
        guard let digest = resolve(reference.withoutDigest) else {
            return .finding(finding(image, .noPin, "no pin for \(reference.canonical)"))
        }
        guard ImageReference.isDigest(digest) else {
            return .finding(finding(image, .invalidPin, "the pin for \(reference.canonical) is not a sha256 digest"))
        }
        return reference.digest == digest ? .pinned : .unpinned(digest, reference)
    }

    private func finding(_ image: DockerfileImage, _ problem: Problem, _ reason: String) -> Finding {
        Finding(line: image.line, image: image.written, problem: problem, reason: reason)
    }
}
