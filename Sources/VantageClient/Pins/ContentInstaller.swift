import Foundation
import VantageCore
import VantageSupport
import VantageTUF

/// What installing one verified `file` pin does, decided from the bytes and the file already there before anything
/// is written.
public struct ContentInstallPlan: Sendable {
    public var pin: Pin
    public var path: String
    /// `installed` (no file there), `updated` (other bytes there) or `unchanged`.
    public var action: InstallPlan.Action
    /// The exact pinned bytes, checked against the pin.
    public var bytes: [UInt8]
    /// The public keys the bytes hold, as their own tools fingerprint them (for people: the digest decided).
    public var keys: [KeyFingerprint]
}

/// Installs the pinned bytes of `file` targets (keys, keyrings) where a tool reads them. A change of the bytes is
/// already decided by the pin (the client's change policy held it for approvers, or followed it), so other bytes at
/// the path are replaced; the write is atomic, as for roots.
public struct ContentInstaller: Sendable {
    /// The file mode (0644 by default: apt reads keyrings as `_apt`).
    public var mode: mode_t

    public init(mode: mode_t = 0o644) { self.mode = mode }

    /// Checks `bytes` against `pin` (a content pin, the attested digest) and compares them with the file at `path`.
    public func plan(_ pin: Pin, bytes: [UInt8], path: String) -> Result<ContentInstallPlan, PinListVerifier.Failure> {
        if let failure = PinnedContentVerifier.verify(bytes, for: pin) { return .failure(failure) }
        let existing = FileManager.default.contents(atPath: path).map(Array.init)
        let action: InstallPlan.Action = existing == nil ? .installed : existing == bytes ? .unchanged : .updated
        return .success(ContentInstallPlan(pin: pin, path: path, action: action, bytes: bytes, keys: KeyFileFacts.keys(in: bytes)))
    }

    /// Writes every plan that changes a file: exact bytes, atomically, with ``mode``; missing folders are made
    /// readable by whoever may read the file (0755 for a 0644 file, else 0700). Returns whether it wrote.
    public func apply(_ plans: [ContentInstallPlan]) throws -> Bool {
        let folderMode: mode_t = 0o700 | (mode & 0o040 != 0 ? 0o050 : 0) | (mode & 0o004 != 0 ? 0o005 : 0)
        for plan in plans where plan.action != .unchanged {
            do { try AtomicFile.write(plan.bytes, to: plan.path, mode: mode, folderMode: folderMode) } catch let failure as AtomicFile.Failure {
                throw ClientError(.destination, "\(failure)")
            }
        }
        return true
    }
}
