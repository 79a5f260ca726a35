import Foundation
import GRDB
import Logging
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// The static mirror folder: a version writes only the bundles (and their blobs) not already there, and deletes the
/// bundles that none of the newest indexes names — once over the whole folder after a restart.
@Suite struct PinListMirrorSinkTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-mirror-\(UUID().uuidString)").path
    var mirror: String { directory + "/mirror" }

    /// Pins for 600 targets (bundles of 256, 256 and 88), all on `roots[0]` but those in `moved`, which are on `roots[1]`.
    static func list(version: Int64, roots: [RootFingerprint], moved: Set<Int> = []) throws -> PublishedPinList {
        let pins = (0..<600).map { n in
            let target = String(format: "registry.example.org/image-%03d", n)
            return Pin(
                target: target, source: RepositorySource(kind: .notary, normalisedURL: "https://notary.example.org", gun: target),
                sha256: roots[moved.contains(n) ? 1 : 0].sha256, attestations: [])
        }
        return try PublishedPinList(list: try PinList.build(
            pins: pins, version: version, issuedAt: Timestamp(seconds: 1_780_000_000 + version), lifetimeSeconds: 86_400,
            previous: String(repeating: "0", count: 64), policy: ConsensusPolicy(quorum: 1, minRegions: 1), identity: SigningIdentity(),
            coordinatorID: "c"))
    }

    /// File name → inode: a rewrite (atomic rename) changes the inode, so equal maps mean nothing was rewritten.
    func files(_ folder: String) throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: "\(mirror)/\(folder)") {
            result[name] = (try FileManager.default.attributesOfItem(atPath: "\(mirror)/\(folder)/\(name)")[.systemFileNumber] as? UInt64) ?? 0
        }
        return result
    }

    /// A sink whose alerts go to the `hook` channel's outbox.
    static func sink(_ mirror: String, _ database: CoordinatorDatabase) -> PinListMirrorSink {
        PinListMirrorSink(
            directory: mirror, database: database, clock: ManualClock().coordinatorClock, channels: ["hook"], alerts: Trigger(),
            metrics: CoordinatorMetrics(), logger: Logger(label: "test"))
    }

    /// A database in `directory` holding the bytes of two roots, and their fingerprints.
    func database() async throws -> (CoordinatorDatabase, [RootFingerprint]) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try CoordinatorDatabase(path: directory + "/coordinator.sqlite", synchronousFull: false)
        let repository = try TestRepository()
        let bytes = try [repository.root(version: 1), repository.root(version: 2)]
        let roots = try bytes.map { RootFingerprint(try Root.parse($0)) }
        try await database.writer.write { db in
            for (fingerprint, blob) in zip(roots, bytes) {
                try db.execute(sql: "INSERT INTO blobs(sha256, bytes) VALUES (?, ?)", arguments: [fingerprint.sha256, Data(blob)])
            }
        }
        return (database, roots)
    }

    func headerExists(_ version: Int64) -> Bool { FileManager.default.fileExists(atPath: "\(mirror)/headers/\(version).json") }

    /// A failed write (the headers folder replaced by a file, as a full disk or a descriptor shortage would fail it)
    /// opens a critical alert in the outbox; the next write restores the header it left out and resolves the alert;
    /// a restarted writer restores any header missing from the folder.
    @Test func failedWriteIsAnAlertAndTheNextWriteRestoresTheMissingHeader() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (database, roots) = try await database()
        let events = EventStore(database: database)
        let sink = Self.sink(mirror, database)
        func publish(_ version: Int64, with sink: PinListMirrorSink) async throws {
            let list = try Self.list(version: version, roots: roots)
            try await database.writer.write { db in
                if try PinListStore.latestHead(db).map({ $0.version < version }) ?? true { try PinListStore.insert(db, list) }
            }
            await sink.publish(list)
        }
        for version in Int64(1)...12 { try await publish(version, with: sink) }
        #expect(try await events.latest(limit: 10).isEmpty, "positive control: writes that succeed raise nothing")

        try FileManager.default.removeItem(atPath: "\(mirror)/headers")
        _ = FileManager.default.createFile(atPath: "\(mirror)/headers", contents: Data())
        try await publish(13, with: sink)
        let opened = try await events.latest(limit: 10)
        #expect(opened.map(\.kind) == [.mirrorWriteFailed])
        #expect(opened.first?.severity == .critical && opened.first?.alert == sink.alertKey && opened.first?.resolvesAlert == false)
        #expect(try await events.depth() == 1, "one outbox row for the hook channel")
        try await publish(13, with: sink)
        #expect(try await events.latest(limit: 10).count == 1, "a failure already alerted is not raised again")

        try FileManager.default.removeItem(atPath: "\(mirror)/headers")
        try await publish(14, with: sink)
        #expect((Int64(1)...14).allSatisfy(headerExists), "headers 1–12 (lost with the folder) and 13 are written again")
        let resolved = try await events.latest(limit: 10)
        #expect(resolved.map(\.kind) == [.recovered, .mirrorWriteFailed])
        #expect(resolved.first?.alert == sink.alertKey && resolved.first?.resolvesAlert == true)

        // A header lost while the coordinator was down: a new writer (a start) checks every version.
        try FileManager.default.removeItem(atPath: "\(mirror)/headers/13.json")
        try await publish(14, with: Self.sink(mirror, database))
        #expect(headerExists(13))
        #expect(try await events.latest(limit: 10).count == 2, "nothing failed: no event")
    }

    @Test func unchangedBundlesAreNotRewrittenAndUnnamedOnesArePruned() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (database, roots) = try await database()

        let sink = Self.sink(mirror, database)
        try await sink.write(try Self.list(version: 1, roots: roots))
        let first = try files("bundles")
        #expect(first.count == 3)
        #expect(try files("blobs").keys.sorted() == [roots[0].sha256], "only the pinned root's bytes")
        #expect(FileManager.default.contents(atPath: "\(mirror)/latest.json") == FileManager.default.contents(atPath: "\(mirror)/headers/1.json"))

        // One pin in the first bundle moves: one new bundle and its new blob; the other two bundles stay as they were.
        try await sink.write(try Self.list(version: 2, roots: roots, moved: [5]))
        let second = try files("bundles")
        #expect(second.count == 4, "the first version's bundle stays while a retained index names it")
        let added = Set(second.keys).subtracting(first.keys)
        #expect(added.count == 1)
        #expect(first.allSatisfy { second[$0.key] == $0.value }, "no bundle of the first version was rewritten")
        #expect(try files("blobs").keys.sorted() == roots.map(\.sha256).sorted())

        // Versions 3…17 name the same bundles as version 2: at 17, version 1's index falls out of the newest 16, and
        // the one bundle only it named goes.
        for version in Int64(3)...17 { try await sink.write(try Self.list(version: version, roots: roots, moved: [5])) }
        let kept = try files("bundles")
        #expect(kept.count == 3 && added.isSubset(of: kept.keys) && kept.allSatisfy { second[$0.key] == $0.value })
        #expect(!FileManager.default.fileExists(atPath: "\(mirror)/lists/1.json") && FileManager.default.fileExists(atPath: "\(mirror)/lists/2.json"))
        #expect(try files("headers").count == 17, "headers are kept forever")

        // A restarted coordinator (a new sink) prunes, once, a bundle no index of the newest names.
        let stray = String(repeating: "ab", count: 32) + ".json"
        FileManager.default.createFile(atPath: "\(mirror)/bundles/\(stray)", contents: Data("[]".utf8))
        let restarted = Self.sink(mirror, database)
        try await restarted.write(try Self.list(version: 18, roots: roots, moved: [5]))
        #expect(try files("bundles") == kept, "the stray bundle is gone and the named ones were not rewritten")
    }
}
