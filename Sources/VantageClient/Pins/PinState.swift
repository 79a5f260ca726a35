import Foundation
import VantageCore
import VantageSupport

/// The last pin list this machine accepted, per verified coordinator id (the policy's name for the key that
/// verified it), so a rolled-back or forked list is refused
/// (`${XDG_STATE_HOME:-~/.local/state}/vantage/pin-state.json`, or a path of the caller's).
public struct PinState: Sendable {
    public var path: String
    public var accepted: [String: PinListVerifier.Accepted]

    /// The default path under `environment` (`XDG_STATE_HOME`, else `HOME`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (ClientPaths.home(environment) + "/.local/state"))
            + "/vantage/pin-state.json"
    }

    /// Loads the state at `path` (the default when `nil`); a missing file is an empty state.
    public static func load(_ path: String?) throws -> PinState {
        let path = path ?? defaultPath()
        guard let data = FileManager.default.contents(atPath: path) else { return PinState(path: path, accepted: [:]) }
        do {
            return PinState(path: path, accepted: try JSONDecoder().decode([String: PinListVerifier.Accepted].self, from: data))
        } catch {
            throw ClientError(.malformed, "state file \(path) is corrupt (not the JSON this program wrote); move it aside to start afresh")
        }
    }

    /// Records `verified` as the last list accepted from its coordinator and saves the file atomically.
    public mutating func record(_ verified: VerifiedPins) throws {
        // Keyed by the id of the policy key that verified the header, never by a field the signer chose freely.
        accepted[verified.coordinator] = .init(
            version: verified.header.signed.version, digest: try verified.header.digest, issuedAt: verified.header.signed.issuedAt)
        do {
            try AtomicFile.write(try Canonical.encode(accepted, pretty: true), to: path)
        } catch let failure as AtomicFile.Failure {
            throw ClientError(.destination, "cannot save the pin state: \(failure); pass --state PATH to a writable file")
        }
    }
}

/// `$HOME` as the clients on this machine see it (notary, docker and python-tuf follow `HOME`, and CI containers set it).
public enum ClientPaths {
    public static func home(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }
}
