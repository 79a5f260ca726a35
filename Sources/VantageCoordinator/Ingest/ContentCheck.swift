import Crypto
import VantageCore
import VantageTUF

/// The ingest checks of an `oci` or `file` observation's content: it has the shape of its target's kind, fits the
/// kind's size cap, and bytes sent with it are what it claims — the digest and size, and the facts recomputed from
/// them (DESIGN.md trust property 5: the coordinator stores facts it derived from the bytes, not an agent's word).
struct ContentCheck: Sendable {
    var kind: TargetSpec.Kind
    /// The largest `file` content accepted (`ingest.max_file_bytes`).
    var maxFileBytes: Int

    /// The largest content of this kind accepted and stored: an `oci` manifest is capped as registries cap it.
    var maxBytes: Int { kind == .oci ? ManifestFacts.maxBytes : maxFileBytes }

    /// Why an observation's shape does not fit its target's kind, if it does not: a root target's carries no content;
    /// an `oci`/`file` target's none of a root's facts (ingest has checked that exactly one of fingerprint, content and
    /// error is present).
    static func shapeProblem(_ observation: Observation, kind: TargetSpec.Kind) -> String? {
        if kind.isRoot {
            return observation.content == nil ? nil : "a \(kind.rawValue) observation carries content"
        }
        if observation.fingerprint != nil || observation.certificates != nil || observation.selfSignature != nil
            || observation.chainSteps != nil || observation.chainRejection != nil
        {
            return "an \(kind.rawValue) observation carries a root's fingerprint, certificates or chain"
        }
        return nil
    }

    /// Refuses content claimed larger than the cap, with or without its bytes.
    func checkSize(_ content: ContentFacts) throws(IngestRejection) {
        guard content.size >= 0, content.size <= maxBytes else {
            throw IngestRejection(code: .contentTooLarge, detail: "content of \(content.size) bytes, limit is \(maxBytes) for \(kind.rawValue)")
        }
    }

    /// Decodes content bytes and checks them against `content`.
    /// - Returns: the digest and the bytes, to store as the digest's blob.
    func checkBytes(_ encoded: String, content: ContentFacts) throws(IngestRejection) -> (sha256: String, bytes: [UInt8]) {
        // Base64 is 4 characters per 3 bytes: a longer text cannot decode within the cap.
        guard encoded.utf8.count <= (maxBytes + 2) / 3 * 4 + 4 else {
            throw IngestRejection(code: .contentTooLarge, detail: "content bytes over \(maxBytes) for \(kind.rawValue)")
        }
        guard let bytes = ByteEncoding.base64Decode(encoded) else {
            throw IngestRejection(code: .rootBytesMalformed, detail: "root_bytes is not base64")
        }
        guard bytes.count <= maxBytes else {
            throw IngestRejection(code: .contentTooLarge, detail: "content of \(bytes.count) bytes, limit is \(maxBytes) for \(kind.rawValue)")
        }
        let sha256 = ByteEncoding.hexEncode(SHA256.hash(data: bytes))
        guard sha256 == content.sha256, bytes.count == content.size else {
            throw IngestRejection(
                code: .contentHashMismatch,
                detail: "content bytes are \(bytes.count) bytes with SHA-256 \(sha256), not \(content.size) bytes with \(content.sha256.prefix(64))")
        }
        if let problem = factsProblem(bytes, content: content) {
            throw IngestRejection(code: .contentFactsMismatch, detail: problem)
        }
        return (sha256, bytes)
    }

    /// Why the facts `content` claims are not the ones recomputed from `bytes`, if they are not.
    private func factsProblem(_ bytes: [UInt8], content: ContentFacts) -> String? {
        switch kind {
        case .oci:
            if content.keys != nil { return "an oci observation lists keys" }
            // The claimed media type stands in for the Content-Type header the agent was answered with: a manifest
            // whose own mediaType disagrees is refused by the parser.
            switch ManifestFacts.parse(bytes, contentType: content.mediaType) {
            case .failure(let error): return error.reason
            case .success(let facts):
                if facts.mediaType != content.mediaType { return "the media type is \(facts.mediaType), not \(content.mediaType?.prefix(100) ?? "none")" }
                if facts.platforms != content.platforms { return "the platforms are not the index's" }
                return nil
            }
        default:
            if content.mediaType != nil || content.platforms != nil { return "a file observation lists a media type or platforms" }
            let keys = KeyFileFacts.keys(in: bytes)
            return keys == (content.keys ?? []) ? nil : "the keys are not the ones in the bytes (\(keys.count) found)"
        }
    }
}
