import Foundation
import Logging
import Synchronization
import VantageCore
import VantageSupport
import VantageTUF

/// Writes every published list into a static mirror folder (``VantageCore/PinListMirror``) that nginx, an object
/// store or a CDN serves as plain files, so CI hosts need not reach the coordinator: `vantage-pins install --mirror URL`
/// verifies what it reads there exactly as what the coordinator serves.
///
/// A version writes the bundles not yet in the folder with their blobs (a bundle is named by its root, so unchanged
/// pins cost one `stat` per 256), the index and the header, and `latest.json` last: a reader never sees a header whose
/// files are missing. Bundles that none of the newest ``retainedVersions`` indexes names are deleted; headers are kept,
/// and a header missing for any published version (a failed write, a folder restored from an old copy) is written
/// again: a CI host bridges from the version it saved through every header after it.
///
/// ``publish(_:)`` turns a failed write into the `mirror_write_failed` alert (critical: CI hosts that read the mirror
/// stop seeing new lists) and the next successful write into its resolution.
final class PinListMirrorSink: Sendable {
    let directory: String
    let queries: QueryStore
    let store: MirrorStore
    let clock: CoordinatorClock
    let channels: [String]
    let alerts: Trigger
    let metrics: CoordinatorMetrics
    let logger: Logger
    /// Index versions whose bundles are kept (clients and caches may still read an older index for a while).
    static let retainedVersions = 16
    /// Bundle roots named by each of the newest indexes, oldest first; `nil` until read back from the folder.
    private let recent = Mutex<[[String]]?>(nil)

    init(
        directory: String, database: CoordinatorDatabase, clock: CoordinatorClock, channels: [String], alerts: Trigger,
        metrics: CoordinatorMetrics, logger: Logger
    ) {
        self.directory = directory
        self.queries = QueryStore(database: database)
        self.store = MirrorStore(database: database)
        self.clock = clock
        self.channels = channels
        self.alerts = alerts
        self.metrics = metrics
        self.logger = logger
    }

    /// The alert key (`details.alert`) of this folder's write failures.
    var alertKey: String { "mirror_write:\(directory)" }

    /// Writes `published` (``write(_:)``); a failure is logged and opens the `mirror_write_failed` alert, the next
    /// success resolves it. The list is published either way.
    func publish(_ published: PublishedPinList) async {
        do {
            try await write(published)
        } catch {
            logger.error("pin list mirror not written", metadata: ["pinlist.version": "\(published.version)", "error": "\(error)"])
            await record(failure: error, version: published.version)
            return
        }
        await record(failure: nil, version: published.version)
    }

    /// Writes `published` and its new files into the folder, and every missing header of an earlier version.
    /// - Throws: ``CoordinatorError`` (`storage`) when a file cannot be written or the database read.
    func write(_ published: PublishedPinList) async throws {
        let roots = published.tree.nodes(height: 8).map(ByteEncoding.hexEncode)
        let size = PinListMirror.bundleSize
        let bundles = stride(from: 0, to: published.pinCount, by: size).enumerated().map { n, start in
            PinListMirror.Bundle(root: roots[n], first: published.entries[start].target, count: min(size, published.pinCount - start))
        }
        let index = PinListMirror.Index(version: published.version, pinCount: published.pinCount, bundles: bundles)
        // Blobs are written before the bundles that name them, so the blobs of a bundle already there are there too.
        let missing = bundles.indices.filter { !exists("bundles/\(bundles[$0].root).json") }
        let entries = { (n: Int) in published.entries[(n * size)..<(n * size + bundles[n].count)] }
        let digests = Set(missing.flatMap { entries($0).map(\.sha256) }).filter { !exists("blobs/\($0)") }
        let blobs = try await queries.blobs(digests)
        do {
            try await restoreHeaders(before: published.version)
            for (sha256, bytes) in blobs { try writeFile(bytes, "blobs/\(sha256)") }
            for n in missing {
                var bytes: [UInt8] = [UInt8(ascii: "[")]
                for entry in entries(n) {
                    if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: entry.json)
                }
                bytes.append(UInt8(ascii: "]"))
                try writeFile(bytes, "bundles/\(bundles[n].root).json")
            }
            try writeFile(try Canonical.encode(index), "lists/\(index.version).json")
            try writeFile(published.headerBody, "headers/\(index.version).json")
            try writeFile(published.headerBody, "latest.json")
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.storage, "cannot write the pin list mirror \(directory): \(error)")
        }
        prune(after: index)
    }

    /// Writes the stored header of every published version below `version` that `headers/` lacks (one listing of the
    /// folder a write), read from the database in batches so a folder lost whole never holds them all in memory.
    private func restoreHeaders(before version: Int64) async throws {
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: path("headers"))) ?? [])
        let missing = try await store.versions(before: version).filter { !present.contains("\($0).json") }
        for start in stride(from: 0, to: missing.count, by: Self.headerBatch) {
            let batch = Array(missing[start..<min(missing.count, start + Self.headerBatch)])
            for (v, header) in try await store.headers(batch) { try writeFile(header, "headers/\(v).json") }
        }
    }

    /// Headers read from the database at once when restoring.
    static let headerBatch = 256

    /// Records the write's outcome as an alert transition (nothing when the condition is unchanged).
    private func record(failure: (any Error)?, version: Int64) async {
        let condition = failure == nil ? "ok" : "failed"
        do {
            guard try await store.condition(alertKey) ?? "ok" != condition else { return }
            let now = clock.now
            let subject = "mirror:\(directory)"
            var details = ["mirror_dir": directory, "pinlist.version": "\(version)"]
            // Ids name the version: a folder may fail and recover more than once within a second.
            func make(_ kind: VantageEvent.Kind, _ severity: VantageEvent.Severity, _ message: String) -> VantageEvent {
                VantageEvent(
                    id: ConsensusEvents.eventID(target: subject, kind: kind, now: now, digest: "\(version)"), kind: kind,
                    severity: severity, target: nil, at: now, message: message, details: details)
            }
            let event: VantageEvent
            if let failure {
                details["error"] = "\(failure)"
                event = make(
                    .mirrorWriteFailed, .critical,
                    "pin list v\(version) not written to the mirror folder \(directory); CI hosts reading the mirror do not get new lists: \(failure)"
                ).opening(alertKey)
            } else {
                event = make(.recovered, .info, "the mirror folder \(directory) is written again (v\(version), missing headers restored)")
                    .resolving(alertKey)
            }
            try await store.record(alertKey, condition: condition, event: event, channels: channels, nowMillis: clock.nowMillis)
            metrics.event(kind: event.kind.rawValue)
            logger.notice("\(event.message)", metadata: ["event.kind": "\(event.kind.rawValue)", "event.severity": "\(event.severity.rawValue)"])
            alerts.fire()
        } catch {
            logger.error("mirror alert not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes the index that fell out of the newest ``retainedVersions`` and the bundles only it named; after a
    /// restart, once, every bundle in the folder that none of the newest indexes names.
    private func prune(after index: PinListMirror.Index) {
        let (keep, dropped, restarted) = recent.withLock { recent -> (Set<String>, [String], Bool) in
            let restarted = recent == nil
            var lists = recent ?? readBack(before: index.version)
            lists.append(index.bundles.map(\.root))
            let dropCount = max(0, lists.count - Self.retainedVersions)
            let dropped = lists.prefix(dropCount).joined()
            lists.removeFirst(dropCount)
            recent = lists
            return (Set(lists.joined()), Array(dropped), restarted)
        }
        if dropped.count > 0 || restarted {
            try? FileManager.default.removeItem(atPath: path("lists/\(index.version - Int64(Self.retainedVersions)).json"))
        }
        let candidates = restarted
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path("bundles"))) ?? []).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
            : dropped
        for root in Set(candidates) where !keep.contains(root) { try? FileManager.default.removeItem(atPath: path("bundles/\(root).json")) }
    }
    /// The bundle roots of the indexes already in the folder before `version` (a restart), oldest first.
    private func readBack(before version: Int64) -> [[String]] {
        let first = max(1, version - Int64(Self.retainedVersions) + 1)
        return (first..<max(first, version)).compactMap { v in
            guard let bytes = FileManager.default.contents(atPath: path("lists/\(v).json")),
                let index = try? Canonical.decode(PinListMirror.Index.self, from: bytes)
            else { return nil }
            return index.bundles.map(\.root)
        }
    }

    private func writeFile(_ bytes: [UInt8], _ relative: String) throws {
        try AtomicFile.write(bytes, to: path(relative), mode: 0o644, folderMode: 0o755)
    }
    private func path(_ relative: String) -> String { directory + "/" + relative }
    private func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }
}
