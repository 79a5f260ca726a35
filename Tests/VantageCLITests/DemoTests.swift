import VantageTestSupport
import Testing

@Suite("vantage demo (black box)")
struct DemoTests {
    @Test("the offline demo runs the whole path and exits 0")
    func demo() async throws {
        let result = try await CLI.run(["demo"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let acts = ["split_view", "first_pin", "rotated", "replacement_held", "replaced", "installed", "first_pin demo-image", "moved demo-image"]
        for line in acts + ["Done"] {
            #expect(result.stdout.contains(line), "demo output mentions \(line)")
        }
        // The CI host's `pins resolve` printed the tag pinned to a digest (the demo itself checks it is the consensus one).
        #expect(result.stdout.contains("/library/demo:1.0@sha256:"), "demo output shows the resolved image reference")
    }
}
