import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTestSupport
import VantageTUF

/// Pin lists of ``PinsRefusalTests/World`` laid out as a static mirror folder, chains of them, and a run of a real
/// binary whose wait is bounded, for the tests of hostile sources.
extension PinsRefusalTests.World {
    /// The world's one-pin list at `version`, chained to `previous`, signed by `signer` (default: the coordinator).
    func list(version: Int64, previous: String, signer: SigningIdentity? = nil) throws -> PinList {
        let pin = Pin(target: Self.target, source: Self.source, sha256: fingerprint.sha256, attestations: [try attestation("a1"), try attestation("a2")])
        return try PinList.build(pins: [pin], version: version, issuedAt: now, lifetimeSeconds: 3600, previous: previous,
                                 policy: ConsensusPolicy(), identity: signer ?? coordinator, coordinatorID: "c")
    }

    /// Lists v1…v`count`, each chained to the one before.
    func chain(_ count: Int64) throws -> [PinList] {
        var lists: [PinList] = []
        for version in 1...count { lists.append(try list(version: version, previous: try lists.last?.header.digest ?? "")) }
        return lists
    }

    /// Writes `lists` (the last is the newest) as the mirror folder `folder`, as the coordinator's mirror writer lays it
    /// out: `latest.json`, `headers/N.json`, `lists/N.json`, `bundles/<root>.json`, `blobs/<sha256>`.
    func writeMirror(_ lists: [PinList], to folder: URL) throws {
        try Self.writeMirror(lists, blobs: [root], to: folder)
    }

    /// ``writeMirror(_:to:)`` for any lists and pinned bytes (`blobs/<sha256>` for each of `blobs`).
    static func writeMirror(_ lists: [PinList], blobs: [[UInt8]], to folder: URL) throws {
        func write(_ bytes: [UInt8], _ relative: String) throws {
            let url = folder.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        for list in lists {
            let version = list.header.signed.version
            // Fewer than 256 pins: one bundle, whose root is the list's Merkle root.
            let root = list.header.signed.merkleRoot
            let index = PinListMirror.Index(version: version, pinCount: list.pins.count,
                                            bundles: [.init(root: root, first: list.pins[0].target, count: list.pins.count)])
            try write(try Canonical.encode(list.header), "headers/\(version).json")
            try write(try Canonical.encode(index), "lists/\(version).json")
            try write(try Canonical.encode(list.pins), "bundles/\(root).json")
        }
        for blob in blobs { try write(blob, "blobs/\(sha256(blob))") }
        try write(try Canonical.encode(lists.last!.header), "latest.json")
    }
}

extension CLI {
    /// ``run(_:tool:environment:)`` that kills the command and fails when it has not exited within `limit`: a
    /// regression that hangs fails the test instead of hanging it (a bound on the wait, not a speed assertion).
    static func run(_ arguments: [String], tool: String, environment: [String: String] = [:], within limit: Duration) async throws -> Result {
        let base = NSTemporaryDirectory() + "vantage-bounded-\(UUID().uuidString)"
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        let child = try ChildProcess(PackagePaths.executable(tool), arguments, stdoutPath: base + ".out",
                                     stderrPath: base + ".err", environment: .inherited(overlay: ["NO_COLOR": "1"].merging(environment) { $1 }))
        child.closePipes()
        let deadline = ContinuousClock.now + limit
        while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let hung = child.isRunning
        child.stop()
        let stdout = String(decoding: FileManager.default.contents(atPath: base + ".out") ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
        if hung { throw TestFailure("\(tool) \(arguments.prefix(2).joined(separator: " ")) still running after \(limit): \(stderr)") }
        return Result(status: child.waitForExit(), stdout: stdout, stderr: stderr)
    }
}
