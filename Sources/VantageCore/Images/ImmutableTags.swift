/// The coordinator's `consensus.immutable_tags`: tag patterns (`*` matches any run of characters, so `*.*.*` is a
/// version tag such as `1.2.3`) whose `oci` targets hold any move for approvers unless a target says otherwise.
public struct ImmutableTags: Sendable, Hashable {
    public var patterns: [String]

    public init(_ patterns: [String] = []) { self.patterns = patterns }

    /// Whether `tag` matches one of the patterns.
    public func holds(_ tag: String) -> Bool { patterns.contains { Self.matches(Array(tag.utf8), Array($0.utf8)) } }

    /// `spec` with `changes: hold` when it is an `oci` target that names no change policy and whose tag matches.
    public func applied(to spec: TargetSpec) -> TargetSpec {
        guard spec.kind == .oci, spec.changes == nil, let tag = spec.tag, holds(tag) else { return spec }
        var held = spec
        held.changes = .hold
        return held
    }

    /// Glob matching with `*` only, in O(tag × pattern): on a mismatch only the last `*` is retried one byte further
    /// (a later star subsumes every earlier choice), so no pattern makes it exponential.
    static func matches(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        var (t, p) = (0, 0)
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                t += 1
                p += 1
            } else if let last = star {
                star = (last.pattern, last.text + 1)
                (p, t) = (last.pattern + 1, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
