import Foundation
import VantageTestSupport
import Testing
import VantageCore
import VantageTUF

/// What `vantage policy export` writes is what `vantage-pins` needs, against a real coordinator on loopback: the
/// coordinator's URL (so a CI host needs no `--coordinator`), keys the strict policy reader accepts, and the same
/// "root keys" digest in `query` as in `root inspect`.
@Suite("vantage policy export, query and root inspect against a live coordinator (black box)")
struct PolicyExportTests {
    @Test("an exported policy passes the strict reader and names the coordinator: install needs only --policy")
    func exportedPolicyNamesTheCoordinator() async throws {
        let scratch = try Scratch("vantage-export")
        defer { scratch.remove() }
        let work = scratch.url
        let fleet = try MirrorInstallTests.Fleet()
        try await fleet.publish(in: work.appendingPathComponent("coordinator"), mirror: nil) { url, _ in
            let policy = work.appendingPathComponent("policy.json")
            let export = try await CLI.run(["policy", "export", "--coordinator", url, "--out", policy.path])
            #expect(export.status == 0 && export.stderr.contains("coordinator \(url)"), "\(export.stderr)")
            let exported = try TrustPolicy.parse(try Data(contentsOf: policy))
            #expect(exported.coordinators.map(\.url) == [url])

            // No --coordinator and no VANTAGE_COORDINATOR: the policy's URL is used and the root installed.
            let (installed, root) = try await MirrorInstallTests.install(work, "policy-only", [])
            #expect(installed.status == 0, "\(installed.stdout) \(installed.stderr)")
            #expect(FileManager.default.contents(atPath: root) == Data(fleet.root))

            // The mistake reproduced: the same policy without the URL leaves the CI host with no source.
            var unnamed = exported
            unnamed.coordinators[0].url = nil
            try Data(try Canonical.encode(unnamed)).write(to: policy)
            let (stranded, nothing) = try await MirrorInstallTests.install(work, "no-url", [])
            #expect(stranded.status != 0 && !FileManager.default.fileExists(atPath: nothing), "\(stranded.stderr)")
            #expect(stranded.stderr.contains("--coordinator"), "told where a source comes from: \(stranded.stderr)")

            // --url names the address clients use when it is not the one this command used; a non-URL is a usage error.
            let named = try await CLI.run(["policy", "export", "--coordinator", url, "--url", "https://vantage.example.test/", "--out", policy.path])
            #expect(named.status == 0, "\(named.stderr)")
            #expect(try TrustPolicy.parse(try Data(contentsOf: policy)).coordinators.map(\.url) == ["https://vantage.example.test/"])
            #expect(try await CLI.run(["policy", "export", "--coordinator", url, "--url", "vantage.example.test"]).status == 64)
        }
    }

    @Test("query shows the same root keys digest, under the same label, as root inspect of the pinned root")
    func queryRootKeysMatchRootInspect() async throws {
        let scratch = try Scratch("vantage-digest")
        defer { scratch.remove() }
        let work = scratch.url
        let fleet = try MirrorInstallTests.Fleet()
        let rootFile = work.appendingPathComponent("root.json")
        try Data(fleet.root).write(to: rootFile)
        let inspect = try await CLI.run(["root", "inspect", rootFile.path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let inspected = try #require(Self.rootKeys(inspect.stdout), "\(inspect.stdout)")
        #expect(inspected == RootFingerprint(fleet.parsed).rootKeysDigest)
        try await fleet.publish(in: work.appendingPathComponent("coordinator"), mirror: nil) { url, _ in
            let query = try await CLI.run(["query", "t/app", "--coordinator", url])
            #expect(query.status == 0, "\(query.stderr)")
            #expect(Self.rootKeys(query.stdout) == inspected, "\(query.stdout)")
        }
    }

    /// The value of the "root keys" line of a table.
    static func rootKeys(_ text: String) -> String? {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("root keys ") }?
            .dropFirst("root keys ".count).trimmingCharacters(in: .whitespaces)
    }
}
