import VantageTestSupport
import Testing

@Suite("vantage demo (black box)")
struct DemoTests {
    @Test("the offline demo runs the whole path and exits 0")
    func demo() async throws {
        let result = try await CLI.run(["demo"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        for line in ["split_view", "first_pin", "rotated", "replacement_held", "replaced", "installed", "Done"] {
            #expect(result.stdout.contains(line), "demo output mentions \(line)")
        }
    }
}
