import Testing
import VantageCore

/// `consensus.immutable_tags`: a version tag matching a pattern is held; a floating tag (the control) is followed.
@Suite("Immutable tag patterns")
struct ImmutableTagsTests {
    @Test(arguments: [
        ("*.*.*", "1.2.3", true), ("*.*.*", "latest", false), ("*.*.*", "24.04", false),
        ("v*", "v1", true), ("v*", "1.0", false), ("24.04", "24.04", true), ("24.04", "24.04.1", false),
        ("*-slim", "12-slim", true), ("*-slim", "12", false), ("*", "anything", true), ("", "", true), ("", "x", false),
    ])
    func patterns(pattern: String, tag: String, held: Bool) {
        #expect(ImmutableTags([pattern]).holds(tag) == held, "\(pattern) ~ \(tag)")
    }

    @Test func appliedOnlyToOCITargetsWithoutTheirOwnPolicy() throws {
        let rule = ImmutableTags(["*.*.*"])
        #expect(rule.applied(to: try TargetSpec.image(id: "a", reference: "ubuntu:1.2.3")).changes == .hold)
        // Controls: a floating tag, a target that says follow, and a file target stay as they are.
        #expect(rule.applied(to: try TargetSpec.image(id: "b", reference: "ubuntu:latest")).changes == nil)
        #expect(rule.applied(to: try TargetSpec.image(id: "c", reference: "ubuntu:1.2.3", changes: .follow)).changes == .follow)
        let file = TargetSpec(id: "d", kind: .file, url: "https://example.test/1.2.3")
        #expect(rule.applied(to: file) == file)
    }

    @Test func aLongTagAgainstManyStarsStaysBounded() {
        // 128-byte tag, a pattern of stars that cannot match: a naive backtracking matcher would try ~128^4 splits.
        let tag = String(repeating: "a", count: 128)
        #expect(!ImmutableTags(["*a*a*a*b"]).holds(tag))
    }
}
