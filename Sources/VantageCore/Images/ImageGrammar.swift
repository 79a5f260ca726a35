/// The distribution reference grammar for repositories and tags (what a registry accepts in
/// `/v2/<repository>/manifests/<tag>`), shared by sources, targets and ``ImageReference``.
public enum ImageGrammar {
    /// Lower-case path components `[a-z0-9]+(?:[._-][a-z0-9]+)*` joined by `/`, at most 255 bytes.
    public static func isValidRepository(_ repository: String) -> Bool {
        guard !repository.isEmpty, repository.utf8.count <= 255 else { return false }
        return repository.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isValidComponent)
    }

    /// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128, isAlphanumeric(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// One component: lower-case alphanumeric runs separated by one `.`, `_`, `__` or any number of `-`.
    static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isLowerAlphanumeric(bytes[index]) {
                index += 1
                continue
            }
            // A separator run: `.`, `_`, `__` or `-+`.
            var end = index
            while end < bytes.count, !isLowerAlphanumeric(bytes[end]) { end += 1 }
            let run = bytes[index..<end]
            let dashes = run.allSatisfy { $0 == UInt8(ascii: "-") }
            guard dashes || Array(run) == [UInt8(ascii: ".")] || Array(run) == [UInt8(ascii: "_")] || Array(run) == Array("__".utf8)
            else { return false }
            index = end
        }
        return true
    }

    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
