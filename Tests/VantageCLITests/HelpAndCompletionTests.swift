import Foundation
import VantageTestSupport
import Testing

/// `--help` on every command, usage errors exit 64, and the shell completion scripts name the real subcommands.
@Suite("vantage help, usage and completions (black box)")
struct HelpAndCompletionTests {
    static let commands: [[String]] = [
        [], ["root"], ["root", "inspect"], ["root", "verify-chain"], ["root", "diff"], ["root", "update"],
        ["pins"], ["pins", "verify"], ["pins", "install"], ["policy", "export"], ["status"], ["query"], ["history"],
        ["agents"], ["events"], ["targets"], ["targets", "add"], ["targets", "remove"], ["targets", "list"],
        ["approve"], ["alerts", "test"], ["demo"],
    ]

    @Test("--help exits 0 and prints usage on stdout", arguments: commands)
    func help(_ command: [String]) async throws {
        let result = try await CLI.run(command + ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE:"))
    }

    @Test("vantage-pins offers no admin token; its CA bundle and source deadline are listed; vantage's admin commands keep --token")
    func pinsOptions() async throws {
        for command in [["install"], ["verify"], ["bundle"]] {
            let help = try await CLI.run(command + ["--help"], tool: "vantage-pins")
            #expect(help.status == 0, "\(help.stderr)")
            #expect(!help.stdout.contains("--token"), "\(command): \(help.stdout)")
            #expect(help.stdout.contains("--ca-bundle") && help.stdout.contains("--source-timeout"), "\(command): \(help.stdout)")
        }
        let admin = try await CLI.run(["targets", "add", "--help"])
        #expect(admin.status == 0 && admin.stdout.contains("--token"), "\(admin.stdout)")
    }

    @Test("an unknown option is a usage error (64) reported on stderr")
    func usage() async throws {
        let result = try await CLI.run(["status", "--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty && result.stderr.contains("no-such-option"))
    }

    @Test("completion scripts name the subcommands", arguments: ["bash", "zsh", "fish"])
    func completions(_ shell: String) async throws {
        let result = try await CLI.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        for word in ["pins", "install", "verify", "query", "approve", "targets", "trust-dir", "bundle"] {
            #expect(result.stdout.contains(word), "\(shell) completion lacks \(word)")
        }
    }
}

import VantagePinsCLI

@Suite("Tables on a terminal")
struct TextTableTests {
    @Test("colour escapes take no column: coloured and plain cells line up")
    func colouredCellsAlign() {
        var table = TextTable(header: ["TARGET", "STATUS", "URL"])
        table.rows = [["a", "\u{1B}[31msplit_view\u{1B}[0m", "https://a"], ["bbbb", "agreed", "https://b"]]
        let lines = table.rendered.split(separator: "\n").map(String.init)
        let plain = lines.map { $0.replacingOccurrences(of: "\u{1B}[31m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "") }
        let columns = plain.map { $0.range(of: "https://")?.lowerBound.utf16Offset(in: $0) }
        #expect(columns[1] != nil && columns[1] == columns[2], "\(plain)")
    }
}
