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

    /// Records `verified` as the last list accepted from its coordinator and saves the file atomically. Under an
    /// exclusive lock on `<path>.lock`, the file is read again and a coordinator's saved version is never lowered:
    /// a run that verified an older list (from a slow source) and saves last keeps the newer entry another run saved
    /// (on an equal version the saved entry stays). Entries of other coordinators saved meanwhile are kept.
    public mutating func record(_ verified: VerifiedPins) throws {
        accepted = try Self.locked(path) { try Self.save(verified, into: try Self.load(path).accepted, path) }
    }

    /// Runs `write` (the installer's writes) and records `verified` when it wrote, both under the lock of
    /// ``record(_:)`` — unless the saved version of `verified`'s coordinator is above the verified one: another run
    /// installed roots from a newer list meanwhile, which this slower run must not overwrite. Then nothing is
    /// written and the newer saved version is returned; else `nil`.
    public mutating func apply(_ verified: VerifiedPins, _ write: () throws -> Bool) throws -> Int64? {
        var newer: Int64?
        accepted = try Self.locked(path) {
            let saved = try Self.load(path).accepted
            if let current = saved[verified.coordinator], current.version > verified.header.signed.version {
                newer = current.version
                return saved
            }
            return try write() ? try Self.save(verified, into: saved, path) : saved
        }
        return newer
    }

    /// `saved` with `verified` recorded unless its coordinator's saved version is as high, written to `path`. Called
    /// under the lock only.
    static func save(_ verified: VerifiedPins, into saved: [String: PinListVerifier.Accepted], _ path: String) throws
        -> [String: PinListVerifier.Accepted]
    {
        // Keyed by the id of the policy key that verified the header, never by a field the signer chose freely.
        let new = PinListVerifier.Accepted(
            version: verified.header.signed.version, digest: try verified.header.digest, issuedAt: verified.header.signed.issuedAt)
        if let current = saved[verified.coordinator], current.version >= new.version { return saved }
        var saved = saved
        saved[verified.coordinator] = new
        do {
            try AtomicFile.write(try Canonical.encode(saved, pretty: true), to: path)
        } catch let failure as AtomicFile.Failure {
            throw ClientError(.destination, "cannot save the pin state: \(failure); pass --state PATH to a writable file")
        }
        return saved
    }

    /// Runs `body` holding an exclusive `flock` on `<path>.lock` (created beside the state file), so concurrent runs
    /// on one machine save one after the other.
    static func locked<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        func refuse(_ what: String) -> ClientError {
            ClientError(.destination, "cannot \(what) \(lockPath): \(String(cString: strerror(errno))); pass --state PATH to a writable file")
        }
        do { try AtomicFile.makeFolders(URL(fileURLWithPath: lockPath).deletingLastPathComponent().path) } catch {
            throw ClientError(.destination, "cannot save the pin state: \(error); pass --state PATH to a writable file")
        }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw refuse("open the lock file") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw refuse("lock") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// `$HOME` as the clients on this machine see it (notary, docker and python-tuf follow `HOME`, and CI containers set it).
public enum ClientPaths {
    public static func home(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }
}
