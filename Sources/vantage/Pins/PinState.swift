import Foundation
import VantageCore
import VantageSupport

/// The last pin list this machine accepted, per verified coordinator id (the policy's name for the key that
/// verified it), so a rolled-back or forked list is refused
/// (`${XDG_STATE_HOME:-~/.local/state}/vantage/pin-state.json`, overridable with `--state`).
struct PinState {
    var path: String
    var accepted: [String: PinListVerifier.Accepted]

    static func defaultPath() -> String {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (environment["XDG_STATE_HOME"] ?? (home + "/.local/state")) + "/vantage/pin-state.json"
    }

    static func load(_ path: String?) throws -> PinState {
        let path = path ?? defaultPath()
        guard let data = FileManager.default.contents(atPath: path) else { return PinState(path: path, accepted: [:]) }
        do {
            return PinState(path: path, accepted: try JSONDecoder().decode([String: PinListVerifier.Accepted].self, from: data))
        } catch {
            throw CoreError(.malformedDocument, "state file \(path) is corrupt: \(error)")
        }
    }

    func save() throws {
        try AtomicFile.write(try Canonical.encode(accepted, pretty: true), to: path)
    }
}
