extension TargetSpec {
    /// An `oci` target for an image reference as users write it (`ubuntu:24.04`, `ghcr.io/org/app:1.2`): the
    /// registry's API base URL, repository and tag of ``ImageReference``. A reference with a digest is refused: a
    /// target watches what a tag names.
    public static func image(id: String, reference: String, changes: ChangePolicy? = nil) throws(CoreError) -> TargetSpec {
        let image = try ImageReference(parsing: reference)
        guard image.digest == nil else {
            throw CoreError(.malformedDocument, "\(reference.prefix(200)): an oci target watches a tag; leave out the @sha256 digest")
        }
        return TargetSpec(id: id, kind: .oci, url: image.apiBaseURL, repository: image.repository, tag: image.tag, changes: changes)
    }

    /// The image reference an `oci` target watches (`docker.io/library/ubuntu:24.04`), or `nil` for other kinds.
    public var imageReference: ImageReference? {
        guard kind == .oci, let repository, let tag else { return nil }
        return ImageReference.fromSource(apiBaseURL: url, repository: repository, tag: tag)
    }
}
