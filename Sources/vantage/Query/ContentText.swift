import VantageCore
import VantageTUF

/// How `query`, `history` and `targets list` show `oci` and `file` targets: the image reference or URL, and what a
/// digest is (media type and platforms, or key fingerprints).
enum ContentText {
    /// `oci docker.io/library/ubuntu:24.04, changes follow`; a root target's kind, URL and GUN as before.
    static func source(of spec: TargetSpec) -> String {
        guard !spec.kind.isRoot else { return "\(spec.kind.rawValue) \(spec.url)\(spec.gun.map { " " + $0 } ?? "")" }
        return "\(spec.kind.rawValue) \(location(of: spec)), changes \(spec.changePolicy.rawValue)"
    }

    /// The image reference of an `oci` target (its source when it has no reference form), the URL of any other.
    static func location(of spec: TargetSpec) -> String {
        guard spec.kind == .oci else { return spec.url }
        return spec.imageReference?.canonical ?? spec.source?.description ?? spec.url
    }

    /// `sha256:` and the hex digest, as registries and `docker pull …@` write it.
    static func digest(_ sha256: String) -> String { "sha256:\(sha256)" }

    /// Labelled lines (`media type`, `platforms`, `keys`) for `facts`, in `query`'s 12-column layout.
    static func lines(_ facts: ContentFacts) -> String {
        var text = ""
        if let mediaType = facts.mediaType { text += "media type  \(mediaType)\n" }
        for (index, platform) in (facts.platforms ?? []).enumerated() {
            text += (index == 0 ? "platforms   " : "            ") + "\(platform.name) \(platform.digest)\n"
        }
        for (index, key) in (facts.keys ?? []).enumerated() {
            text += (index == 0 ? "keys        " : "            ") + "\(key.format.rawValue) \(key.fingerprint) (\(key.algorithm))\n"
        }
        return text + "size        \(facts.size) bytes\n"
    }

    /// One phrase for `facts`: the media type and platform count, or the keys' fingerprints.
    static func summary(_ facts: ContentFacts?) -> String {
        guard let facts else { return "bytes not stored" }
        if let keys = facts.keys { return keys.map { "\($0.format.rawValue) \($0.fingerprint)" }.joined(separator: ", ") }
        let platforms = facts.platforms.map { ", \($0.count) platforms" } ?? ""
        return (facts.mediaType ?? "\(facts.size) bytes") + platforms
    }
}
