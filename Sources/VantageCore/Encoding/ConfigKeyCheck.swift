/// Finds keys a program does not read in a parsed JSON document (the configuration files, the trust policy): a
/// misspelt key must stop the program, never fall back silently to a default (a misspelt `trusted_root` would mean
/// trust on first use, a misspelt `min_pin_list_version` no rollback floor).
///
/// Known keys are dotted paths; `*` stands for one free-form object key (e.g. `targets.*.url`, target ids being
/// object keys) and `[]` for every element of a list of objects (e.g. `targets[].source.url`). A known key names a
/// leaf: its value, object or not, is the program's to parse. Keys are reported in the same form with the index,
/// e.g. `targets[2].sourse`.
public enum ConfigKeyCheck {
    /// One unknown key, with the known key it most likely meant; or a known key whose value cannot hold the keys
    /// known below it (`expected`: an object or a list), which would hide them as surely as a typo.
    public struct Unknown: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var suggestion: String?
        /// What `key` is, in messages: `key`, or `environment variable` (``unknownVariables(in:namespace:known:)``).
        public var noun = "key"
        public var expected: String?

        public var description: String {
            if let expected { return "\(key): expected \(expected)" }
            return "unknown \(noun) \(key)" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
    }

    /// Every unknown leaf of `object`, and every known key whose value is not the object or list the keys known below
    /// it need, sorted by key.
    public static func unknownKeys(in object: [String: Any], known: Set<String>) -> [Unknown] {
        let patterns = known.map(segments)
        var found: [Unknown] = []
        var pending: [([String], Any)] = object.map { ([$0.key], $0.value) }
        while let (path, value) = pending.popLast() {
            if patterns.contains(where: { matches($0, path) }) { continue }
            // What the known keys expect below this path: members of an object, or elements of a list.
            let below = patterns.filter { $0.count > path.count && matches(Array($0.prefix(path.count)), path) }.map { $0[path.count] }
            if let nested = value as? [String: Any], below.contains(where: { $0 != "[]" }) {
                pending += nested.map { (path + [$0.key], $0.value) }
                continue
            }
            if let list = value as? [Any], below.contains("[]") {
                pending += list.enumerated().map { (path + ["[\($0.offset)]"], $0.element) }
                continue
            }
            if !below.isEmpty {
                found.append(Unknown(key: text(path), expected: below.contains("[]") ? "a list" : "an object"))
                continue
            }
            found.append(Unknown(key: text(path), suggestion: suggestion(for: path, patterns: patterns)))
        }
        return found.sorted { $0.key < $1.key }
    }

    /// `targets[].source.url` → `["targets", "[]", "source", "url"]`.
    static func segments(_ key: String) -> [String] {
        key.split(separator: ".").flatMap { part in
            part.hasSuffix("[]") ? [String(part.dropLast(2)), "[]"] : [String(part)]
        }
    }

    /// `["targets", "[2]", "sourse"]` → `targets[2].sourse`.
    static func text(_ path: [String]) -> String {
        path.enumerated().map { $0.offset == 0 || $0.element.hasPrefix("[") ? $0.element : "." + $0.element }.joined()
    }

    static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        pattern.count == path.count && zip(pattern, path).allSatisfy { p, s in
            let isIndex = s.hasPrefix("[")
            return p == "[]" ? isIndex : (p == "*" && !isIndex) || p == s
        }
    }

    /// The known key with the same parent whose last segment is closest to the unknown one (a typo, not another word).
    static func suggestion(for path: [String], patterns: [[String]]) -> String? {
        let parent = Array(path.dropLast()), name = path.last ?? ""
        let siblings = patterns.filter { $0.count >= path.count && matches(Array($0.prefix(parent.count)), parent) && $0[parent.count] != "[]" }
        let scored = siblings.map { (candidate: $0, distance: distance(Array($0[parent.count].utf8), Array(name.utf8))) }
        guard let best = scored.min(by: { ($0.distance, $0.candidate[parent.count]) < ($1.distance, $1.candidate[parent.count]) }),
            best.distance <= max(2, name.utf8.count / 3)
        else { return nil }
        return text(parent + [best.candidate[parent.count]])
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
