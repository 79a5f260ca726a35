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

/// A root file read from disk, a pipe or standard input (`-`): its path and either the parsed root or why it could
/// not be read as one.
struct LoadedRoot {
    var path: String
    var result: Result<Root, TUFError>

    /// Reads `path` (`-`: standard input); an unreadable file is an input error (exit 1), not a verification failure.
    /// A pipe is read to its end with no deadline (a person or a script is writing it), but never past the root.json
    /// size limit of TUF clients: more is refused as `too_large` without being read.
    static func load(_ path: String) throws -> LoadedRoot {
        let limits = JSONLimits.default
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw unreadable(path, errno) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count <= limits.maxBytes {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            bytes += chunk[..<count]
        }
        guard bytes.count <= limits.maxBytes else {
            return LoadedRoot(path: path, result: .failure(TUFError(.tooLarge, "more than \(limits.maxBytes) bytes, the root.json limit")))
        }
        return LoadedRoot(path: path, result: Result { () throws(TUFError) in try Root.parse(bytes, limits: limits) })
    }

    static func unreadable(_ path: String, _ code: Int32) -> ExitCode {
        Output.diagnostic("cannot read \(path): \(String(cString: strerror(code)))")
        return ExitStatus.error
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
