import GRDB
import VantageCore
import VantageTUF

/// What stored `oci`/`file` bytes are, for the query API: read from the bytes the coordinator holds (hash-checked at
/// ingest), not from an agent's report.
enum StoredContentFacts {
    /// The facts of each of `digests` whose bytes are stored, ordered by digest.
    static func facts(_ digests: Set<String>, kind: TargetSpec.Kind, in db: Database) throws -> [ContentFacts] {
        try digests.sorted().compactMap { sha256 in try Blobs.bytes(sha256, in: db).map { facts(sha256: sha256, bytes: $0, kind: kind) } }
    }

    /// An `oci` manifest's media type (its `mediaType` member: the `Content-Type` it was served with is not stored)
    /// and an index's platforms; a `file`'s recognised keys.
    static func facts(sha256: String, bytes: [UInt8], kind: TargetSpec.Kind) -> ContentFacts {
        var facts = ContentFacts(sha256: sha256, size: bytes.count)
        if kind == .oci, case .success(let manifest) = ManifestFacts.parse(bytes, contentType: nil) {
            facts.mediaType = manifest.mediaType
            facts.platforms = manifest.platforms
        } else if kind == .file {
            let keys = KeyFileFacts.keys(in: bytes)
            facts.keys = keys.isEmpty ? nil : keys
        }
        return facts
    }
}
