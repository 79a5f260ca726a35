import Foundation
import VantageTestSupport
import Testing

@Suite("vantage root (black box)")
struct RootCommandTests {
    @Test("inspect: a valid Notary root with its GUN exits 0 and reports the documented JSON fields")
    func inspectJSON() async throws {
        let result = try await CLI.run(["root", "inspect", CLI.fixture("notary/notary0.3-tst/root.json"),
                                  "--gun", "docker.com/notary0.3/tst", "--at", "2025-01-01T00:00:00Z", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let report = try #require(array.first)
        #expect(report["valid"] as? Bool == true)
        #expect(report["dialect"] as? String == "notary")
        let fingerprint = try #require(report["fingerprint"] as? [String: Any])
        for key in ["sha256", "canonical_sha256", "version", "expires", "root_threshold", "root_keys", "root_keys_digest"] {
            #expect(fingerprint[key] != nil, "fingerprint.\(key)")
        }
        let keys = try #require(report["keys"] as? [[String: Any]])
        let rootKey = try #require(keys.first { ($0["roles"] as? [String])?.contains("root") == true })
        for key in ["keyid", "recomputed_keyid", "keytype", "spki_sha256", "canonical_root_keyid", "certificate"] {
            #expect(rootKey[key] != nil, "keys[].\(key)")
        }
        #expect((rootKey["canonical_root_keyid"] as? String)?.hasPrefix("f4eaf871a74a") == true)
        let signatures = try #require(report["root_signatures"] as? [String: Any])
        #expect(signatures["met"] as? Bool == true)
    }

    @Test("inspect exit codes: 12 for a wrong GUN, an expired certificate or a malformed file; 1 for a missing file")
    func inspectExitCodes() async throws {
        let root = CLI.fixture("notary/notary0.3-tst/root.json")
        #expect(try await CLI.run(["root", "inspect", root, "--gun", "docker.com/other", "--at", "2025-01-01T00:00:00Z"]).status == 12)
        #expect(try await CLI.run(["root", "inspect", root, "--gun", "docker.com/notary0.3/tst", "--at", "2027-01-01T00:00:00Z"]).status == 12)
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-bad-\(getpid()).json")
        try Data(#"{"signed":{"_type":"Root","version":1.5}}"#.utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        let malformed = try await CLI.run(["root", "inspect", bad.path, "--format", "json"])
        #expect(malformed.status == 12)
        #expect(malformed.stdout.contains("non_integer"))
        #expect(try await CLI.run(["root", "inspect", "/nonexistent/root.json"]).status == 1)
        #expect(try await CLI.run(["root", "inspect", root, "--at", "yesterday"]).status == 64)
        #expect(try await CLI.run(["root", "frobnicate"]).status == 64)
    }

    @Test("inspect reads `-` (standard input) and named pipes like a file, and refuses an endless pipe past the size limit")
    func inspectPipes() async throws {
        let root = CLI.fixture("notary/notary0.3-tst/root.json")
        let vantage = PackagePaths.executable("vantage")
        let options = ["--gun", "docker.com/notary0.3/tst", "--at", "2025-01-01T00:00:00Z", "--format", "json"]
        func digest(_ result: CLI.Result) -> String? {
            let reports = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]]
            return (reports?.first?["fingerprint"] as? [String: Any])?["root_keys_digest"] as? String
        }
        // Positive control: the file by name.
        let file = try await CLI.run(["root", "inspect", root] + options)
        #expect(file.status == 0, "\(file.stderr)")
        let expected = try #require(digest(file))
        let scratch = try Scratch("vantage-pipes")
        defer { scratch.remove() }
        let work = scratch.url
        let scripts = [
            "stdin from a pipe": #"cat "$1" | "$0" root inspect - "${@:2}""#,
            "stdin from a file": #""$0" root inspect - "${@:2}" < "$1""#,
            "a named pipe": #"mkfifo "$1.fifo" && { cat "$1" > "$1.fifo" & } && "$0" root inspect "$1.fifo" "${@:2}""#,
        ]
        for (name, script) in scripts {
            let copy = work.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-")).path
            try FileManager.default.copyItem(atPath: root, toPath: copy)
            let result = try await CLI.exec("/bin/bash", ["-c", script, vantage, copy] + options, environment: ["NO_COLOR": "1"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(digest(result) == expected, "\(name): \(result.stdout)")
        }
        // An endless pipe: refused once the root.json limit is passed, not read for ever.
        let endless = try await CLI.exec("/bin/bash", ["-c", #"yes | "$0" root inspect - --format json"#, vantage])
        #expect(endless.status == 12, "\(endless.stderr)")
        #expect(endless.stdout.contains("too_large") && endless.stdout.contains("524288"), "\(endless.stdout)")
    }

    @Test("verify-chain: Sigstore 1 → 15 accepted before v15 expires, rejected after; a gap is rejected")
    func verifyChain() async throws {
        let chain = (1...15).map { CLI.fixture("sigstore-root-signing/\($0).root.json") }
        let ok = try await CLI.run(["root", "verify-chain"] + chain + ["--at", "2026-01-01T00:00:00Z", "--format", "json"])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("\"accepted\" : true"))
        #expect(try await CLI.run(["root", "verify-chain"] + chain + ["--at", "2027-01-01T00:00:00Z"]).status == 12)
        let gap = try await CLI.run(["root", "verify-chain", chain[0], chain[2], "--at", "2026-01-01T00:00:00Z"])
        #expect(gap.status == 12)
        #expect(gap.stdout.contains("does not follow"))
    }

    @Test("diff: rotation and rollback")
    func diff() async throws {
        let v12 = CLI.fixture("sigstore-root-signing/12.root.json"), v13 = CLI.fixture("sigstore-root-signing/13.root.json")
        let forward = try await CLI.run(["root", "diff", v12, v13, "--format", "json"])
        #expect(forward.status == 0)
        #expect(forward.stdout.contains("\"kind\" : \"rotated\"") || forward.stdout.contains("\"kind\" : \"resigned\""))
        let back = try await CLI.run(["root", "diff", v13, v12])
        #expect(back.status == 12)
        #expect(back.stdout.contains("replaced"))
    }
}
