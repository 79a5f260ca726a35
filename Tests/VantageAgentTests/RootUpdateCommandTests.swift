import Foundation
import VantageTestSupport
import Testing
import VantageTUF

/// `vantage root update` (the built CLI) against a TUF mirror over HTTPS.
@Suite("vantage root update", .timeLimit(.minutes(2)))
struct RootUpdateCommandTests {
    func update(_ f: HTTPFixture, _ arguments: [String]) async throws -> CommandResult {
        let vantage = PackagePaths.executable("vantage")
        guard FileManager.default.isExecutableFile(atPath: vantage) else { throw TestFailure("\(vantage) missing: run swift build first") }
        return try await runCommand(vantage, ["root", "update", "--ca-bundle", f.certificates.caFile] + arguments)
    }

    @Test func walksToTheNewestRootAndReplacesTheTrustedFile() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 3)
            try chain.write(to: f.scratch.file("www/repo"))
            try f.scratch.write(chain.documents[0], to: "trusted.json")
            let result = try await update(f, ["--trusted", f.scratch.file("trusted.json"), "--tuf", f.server.url("/files/repo"), "--format", "json"])
            #expect(result.status == 0, "\(result.output)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: f.scratch.file("trusted.json"))) == Data(chain.documents[2]))
            #expect(result.output.contains("\"written_versions\""))
        }
    }

    @Test func rejectedStepExits12AndKeepsTheLastGoodRoot() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 2)
            try chain.write(to: f.scratch.file("www/repo"))
            try f.publish(try chain.unchainedDocument(version: 3), at: "repo/3.root.json")
            try f.scratch.write(chain.documents[0], to: "trusted.json")
            let out = f.scratch.file("out/root.json")
            try FileManager.default.createDirectory(atPath: f.scratch.file("out"), withIntermediateDirectories: true)
            let result = try await update(f, ["--trusted", f.scratch.file("trusted.json"), "--tuf", f.server.url("/files/repo"), "--out", out])
            #expect(result.status == 12, "\(result.output)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(chain.documents[1]))
            #expect(try Data(contentsOf: URL(fileURLWithPath: f.scratch.file("trusted.json"))) == Data(chain.documents[0]))
        }
    }

    @Test func expiredFinalRootExits12() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 2)
            try chain.write(to: f.scratch.file("www/repo"))
            try f.scratch.write(chain.documents[0], to: "trusted.json")
            let result = try await update(f, ["--trusted", f.scratch.file("trusted.json"), "--tuf", f.server.url("/files/repo"),
                "--at", "2099-01-01T00:00:00Z"])
            #expect(result.status == 12, "\(result.output)")
        }
    }

    @Test func networkAndInputErrorsExit1() async throws {
        try await HTTPFixture.with { f in
            let chain = try RootChain(count: 1)
            try f.scratch.write(chain.documents[0], to: "trusted.json")
            let unreachable = try await update(f, ["--trusted", f.scratch.file("trusted.json"), "--tuf", "https://127.0.0.1:1/repo"])
            #expect(unreachable.status == 1, "\(unreachable.output)")
            try f.scratch.write(Array("{\"signed\":{}}".utf8), to: "broken.json")
            let broken = try await update(f, ["--trusted", f.scratch.file("broken.json"), "--tuf", f.server.url("/files/repo")])
            #expect(broken.status == 1, "\(broken.output)")
            let unsigned = try RootDocumentBuilder.assemble(signed: try chain.root(1).signed, signers: [], dialect: .tuf)
            try f.scratch.write(unsigned, to: "unsigned.json")
            let below = try await update(f, ["--trusted", f.scratch.file("unsigned.json"), "--tuf", f.server.url("/files/repo")])
            #expect(below.status == 1, "\(below.output)")
        }
    }
}
