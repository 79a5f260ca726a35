import Foundation
import GRDB
import Synchronization
import VantageTUF

/// Parsed roots by SHA-256, so consensus rounds do not re-parse unchanged blobs. Blobs are immutable, so entries
/// never go stale; the cache is cleared when it grows past `capacity`.
final class RootCache: Sendable {
    private let roots = Mutex<[String: Root]>([:])
    let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    /// The parsed root for `sha256`, loading the blob from `db` on a miss; `nil` when no bytes are stored.
    func root(_ sha256: String, in db: Database) throws -> Root? {
        if let root = roots.withLock({ $0[sha256] }) { return root }
        guard let bytes = try Blobs.bytes(sha256, in: db), let root = try? Root.parse(bytes)
        else { return nil }
        roots.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[sha256] = root
        }
        return root
    }
}
