import Foundation
import GRDB
import Synchronization
import VantageCore
import VantageSupport
import VantageTUF

/// Writes every published list into a static mirror folder (``VantageCore/PinListMirror``) that nginx, an object
/// store or a CDN serves as plain files, so CI hosts need not reach the coordinator: `vantage-pins install --mirror URL`
/// verifies what it reads there exactly as what the coordinator serves.
///
/// A version writes the blobs and bundles not yet written (a bundle is named by its root, so unchanged pins cost
/// nothing), the index and the header, and `latest.json` last: a reader never sees a header whose files are missing.
/// Bundles no index of the newest ``retainedVersions`` lists names are deleted; headers are kept.
final class PinListMirrorSink: Sendable {
    let directory: String
    let database: CoordinatorDatabase
    /// Index versions whose bundles are kept (clients and caches may still read an older index for a while).
    static let retainedVersions = 16
    /// Bundle roots named by each of the newest indexes, oldest first; `nil` until read back from the folder.
    private let recent = Mutex<[[String]]?>(nil)

    init(directory: String, database: CoordinatorDatabase) {
        self.directory = directory
        self.database = database
    }

    /// Writes `published` and its new files into the folder.
    /// - Throws: ``CoordinatorError`` (`storage`) when a file cannot be written.
    func write(_ published: PublishedPinList) async throws {
        let roots = published.tree.nodes(height: 8).map(ByteEncoding.hexEncode)
        var bundles: [PinListMirror.Bundle] = []
        let size = PinListMirror.bundleSize
        for (n, start) in stride(from: 0, to: published.pinCount, by: size).enumerated() {
            let count = min(size, published.pinCount - start)
            bundles.append(.init(root: roots[n], first: published.entries[start].target, count: count))
        }
        let index = PinListMirror.Index(version: published.version, pinCount: published.pinCount, bundles: published.pinCount == 0 ? [] : bundles)
        let digests = Set(published.entries.map(\.sha256)).filter { !exists("blobs/\($0)") }
        let blobs = try await storage("read blobs for the mirror") {
            try await database.writer.read { db in
                try Dictionary(
                    Row.fetchAll(
                        db, sql: "SELECT sha256, bytes FROM blobs WHERE sha256 IN (\(databaseQuestionMarks(count: digests.count)))",
                        arguments: StatementArguments(Array(digests))
                    ).map { ($0[0] as String, Array($0[1] as Data)) },
                    uniquingKeysWith: { a, _ in a })
            }
        }
        do {
            for (sha256, bytes) in blobs { try AtomicFile.write(bytes, to: path("blobs/\(sha256)"), mode: 0o644, folderMode: 0o755) }
            for (n, bundle) in index.bundles.enumerated() where !exists("bundles/\(bundle.root).json") {
                var bytes: [UInt8] = [UInt8(ascii: "[")]
                for entry in published.entries[(n * size)..<(n * size + bundle.count)] {
                    if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: entry.json)
                }
                bytes.append(UInt8(ascii: "]"))
                try AtomicFile.write(bytes, to: path("bundles/\(bundle.root).json"), mode: 0o644, folderMode: 0o755)
            }
            try AtomicFile.write(try Canonical.encode(index), to: path("lists/\(index.version).json"), mode: 0o644, folderMode: 0o755)
            try AtomicFile.write(published.headerBody, to: path("headers/\(index.version).json"), mode: 0o644, folderMode: 0o755)
            try AtomicFile.write(published.headerBody, to: path("latest.json"), mode: 0o644, folderMode: 0o755)
        } catch {
            throw CoordinatorError(.storage, "cannot write the pin list mirror \(directory): \(error)")
        }
        prune(after: index)
    }

    /// Deletes bundles and indexes that none of the newest indexes names.
    private func prune(after index: PinListMirror.Index) {
        let (keep, dropIndexes) = recent.withLock { recent -> (Set<String>, [Int64]) in
            var lists = recent ?? readBack(before: index.version)
            lists.append(index.bundles.map(\.root))
            let dropped = lists.count > Self.retainedVersions ? lists.count - Self.retainedVersions : 0
            lists.removeFirst(dropped)
            recent = lists
            let oldest = index.version - Int64(Self.retainedVersions)
            return (Set(lists.joined()), dropped > 0 ? [oldest] : [])
        }
        for version in dropIndexes { try? FileManager.default.removeItem(atPath: path("lists/\(version).json")) }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path("bundles"))) ?? [] where name.hasSuffix(".json") {
            if !keep.contains(String(name.dropLast(5))) { try? FileManager.default.removeItem(atPath: path("bundles/\(name)")) }
        }
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
