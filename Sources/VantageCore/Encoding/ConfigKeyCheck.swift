/// Finds keys a program does not read in a parsed JSON configuration: a misspelt key must stop the program, never
/// fall back silently to a default (a misspelt `trusted_root` would mean trust on first use).
///
/// Known keys are dotted paths; `*` stands for one free-form segment (e.g. `targets.*.url`, target ids being object
/// keys). A known key names a leaf: its value, object or not, is the program's to parse.
public enum ConfigKeyCheck {
    /// One unknown key, with the known key it most likely meant.
    public struct Unknown: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var suggestion: String?

        public var description: String { "unknown key \(key)" + (suggestion.map { " (did you mean \($0)?)" } ?? "") }
    }

    /// Every unknown leaf of `object`, sorted by key.
    public static func unknownKeys(in object: [String: Any], known: Set<String>) -> [Unknown] {
        let patterns = known.map { $0.split(separator: ".").map(String.init) }
        var found: [Unknown] = []
        var pending: [([String], Any)] = object.map { ([$0.key], $0.value) }
        while let (path, value) = pending.popLast() {
            if patterns.contains(where: { matches($0, path) }) { continue }
            if let nested = value as? [String: Any], patterns.contains(where: { $0.count > path.count && matches(Array($0.prefix(path.count)), path) }) {
                pending += nested.map { (path + [$0.key], $0.value) }
                continue
            }
            found.append(Unknown(key: path.joined(separator: "."), suggestion: suggestion(for: path, patterns: patterns)))
        }
        return found.sorted { $0.key < $1.key }
    }

    static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        pattern.count == path.count && zip(pattern, path).allSatisfy { $0 == "*" || $0 == $1 }
    }

    /// The known key with the same parent whose last segment is closest to the unknown one (a typo, not another word).
    static func suggestion(for path: [String], patterns: [[String]]) -> String? {
        let parent = Array(path.dropLast()), name = path.last ?? ""
        let siblings = patterns.filter { $0.count >= path.count && matches(Array($0.prefix(parent.count)), parent) }
        let scored = siblings.map { (candidate: $0, distance: distance(Array($0[parent.count].utf8), Array(name.utf8))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= max(2, name.utf8.count / 3) else { return nil }
        return (parent + [best.candidate[parent.count]]).joined(separator: ".")
    }

    /// Levenshtein distance.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = current
        }
        return previous[b.count]
    }
}
