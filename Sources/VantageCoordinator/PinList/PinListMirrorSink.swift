import Foundation
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
/// files are missing. Bundles that none of the newest ``retainedVersions`` indexes names are deleted; headers are kept.
final class PinListMirrorSink: Sendable {
    let directory: String
    let queries: QueryStore
    /// Index versions whose bundles are kept (clients and caches may still read an older index for a while).
    static let retainedVersions = 16
    /// Bundle roots named by each of the newest indexes, oldest first; `nil` until read back from the folder.
    private let recent = Mutex<[[String]]?>(nil)

    init(directory: String, database: CoordinatorDatabase) {
        self.directory = directory
        self.queries = QueryStore(database: database)
    }

    /// Writes `published` and its new files into the folder.
    /// - Throws: ``CoordinatorError`` (`storage`) when a file cannot be written.
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
            for (sha256, bytes) in blobs { try AtomicFile.write(bytes, to: path("blobs/\(sha256)"), mode: 0o644, folderMode: 0o755) }
            for n in missing {
                var bytes: [UInt8] = [UInt8(ascii: "[")]
                for entry in entries(n) {
                    if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: entry.json)
                }
                bytes.append(UInt8(ascii: "]"))
                try AtomicFile.write(bytes, to: path("bundles/\(bundles[n].root).json"), mode: 0o644, folderMode: 0o755)
            }
            try AtomicFile.write(try Canonical.encode(index), to: path("lists/\(index.version).json"), mode: 0o644, folderMode: 0o755)
            try AtomicFile.write(published.headerBody, to: path("headers/\(index.version).json"), mode: 0o644, folderMode: 0o755)
            try AtomicFile.write(published.headerBody, to: path("latest.json"), mode: 0o644, folderMode: 0o755)
        } catch {
            throw CoordinatorError(.storage, "cannot write the pin list mirror \(directory): \(error)")
        }
        prune(after: index)
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

    private func path(_ relative: String) -> String { directory + "/" + relative }
    private func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }
}
