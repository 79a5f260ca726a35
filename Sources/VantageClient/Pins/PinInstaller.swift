import Foundation
import VantageCore
import VantageSupport
import VantageTUF

/// What installing one verified pin does: decided from bytes and the file already there, before anything is written.
public struct InstallPlan: Sendable {
    public enum Action: String, Sendable, Codable {
        /// No root was there.
        case installed
        /// The root there is rotated (or re-signed) to the pinned one.
        case updated
        /// The root there is replaced although the pinned one is not a verified rotation of it (`replace`).
        case replaced
        /// The pinned bytes are there already.
        case unchanged
        /// The root there is not rotated to the pinned one: nothing is written.
        case refused
    }

    public var pin: Pin
    public var path: String
    public var action: Action
    public var reason: String?
    /// The exact pinned bytes, checked against the pin.
    public var bytes: [UInt8]
    /// The parsed pinned root.
    public var root: Root
}

/// Decides and performs installs of verified pins. All or nothing: ``apply(_:)`` writes only when no plan is refused.
public struct PinInstaller: Sendable {
    /// Replace an existing root even when the pinned one is not a verified rotation of it.
    public var replace: Bool

    public init(replace: Bool = false) { self.replace = replace }

    /// Checks `bytes` against `pin` (digest, kind, Notary's rules for the attested GUN) and compares them with the
    /// root at `path`. Writes nothing.
    public func plan(_ pin: Pin, bytes: [UInt8], path: String, now: Timestamp) -> Result<InstallPlan, PinListVerifier.Failure> {
        let pinned: Root
        switch PinnedRootVerifier.verify(bytes, for: pin, now: now) {
        case .success(let root): pinned = root
        case .failure(let failure): return .failure(failure)
        }
        var plan = InstallPlan(pin: pin, path: path, action: .installed, bytes: bytes, root: pinned)
        guard let existing = FileManager.default.contents(atPath: path).map(Array.init) else { return .success(plan) }
        if existing == bytes {
            plan.action = .unchanged
        } else if let old = try? Root.parse(existing) {
            let change = RootChangeClassifier.classify(from: old, to: pinned)
            let why = "\(change.kind.rawValue): \(change.reasons.joined(separator: "; "))"
            if change.kind == .replaced && !replace {
                plan.action = .refused
                plan.reason = "existing root v\(old.version) is not rotated to the pinned one (\(why)); use --replace"
            } else {
                plan.action = change.kind == .replaced ? .replaced : .updated
                plan.reason = why
            }
        } else if replace {
            plan.action = .replaced
            plan.reason = "existing file is not a root"
        } else {
            plan.action = .refused
            plan.reason = "existing file is not a root; use --replace"
        }
        return .success(plan)
    }

    /// Writes every plan that changes a file (exact bytes, atomically, 0600 files in 0700 folders), or nothing when
    /// any plan is refused. Returns whether it wrote.
    public func apply(_ plans: [InstallPlan]) throws -> Bool {
        guard !plans.contains(where: { $0.action == .refused }) else { return false }
        for plan in plans where plan.action != .unchanged {
            do { try AtomicFile.write(plan.bytes, to: plan.path) } catch let failure as AtomicFile.Failure {
                throw ClientError(.destination, "\(failure)")
            }
        }
        return true
    }

    /// Fails when `path` cannot be written: a folder is in its place, or the nearest existing folder above it is
    /// not writable. Checked for every destination before any network call.
    public static func checkWritable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ClientError(.destination, "\(path) is a folder; the root is written as a file there")
        }
        var folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        while !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) { folder = URL(fileURLWithPath: folder).deletingLastPathComponent().path }
        guard isDirectory.boolValue else { throw ClientError(.destination, "\(folder) is a file where \(path) needs a folder") }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw ClientError(.destination, "cannot write \(path): \(folder) is not writable by this user")
        }
    }
}
