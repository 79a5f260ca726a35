import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageTUF

struct RootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "root",
        abstract: "Inspect, verify and compare root.json files offline; fetch and verify newer roots.",
        subcommands: [RootInspectCommand.self, RootVerifyChainCommand.self, RootDiffCommand.self, RootUpdateCommand.self]
    )
}

/// Options shared by the `root` subcommands.
struct RootOptions: ParsableArguments {
    @Option(help: "Evaluate expiry and certificate validity at this RFC 3339 time instead of now.")
    var at: String?

    @Option(help: "Output format: table, json or jsonl.")
    var format: OutputFormat = .table

    func time() throws -> Date {
        guard let at else { return Date() }
        guard let date = RFC3339.parse(at) else { throw ValidationError("--at \(at) is not an RFC 3339 timestamp") }
        return date
    }
}

/// A root file read from disk: its path and either the parsed root or why it could not be read as one.
struct LoadedRoot {
    var path: String
    var result: Result<Root, TUFError>

    /// Reads `path`; an unreadable file is an input error (exit 1), not a verification failure.
    static func load(_ path: String) throws -> LoadedRoot {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            Output.diagnostic("cannot read \(path): \(error.localizedDescription)")
            throw ExitStatus.error
        }
        return LoadedRoot(path: path, result: Result { () throws(TUFError) in try Root.parse(data) })
    }
}

/// `{"code": …, "reason": …}` for a ``TUFError`` in JSON output.
struct ErrorReport: Encodable {
    var code: String
    var reason: String

    init(_ error: TUFError) {
        code = error.code.rawValue
        reason = error.reason
    }
}
