import Foundation
import GRDB

/// Group commit for the spool: writes that arrive while a transaction is being committed wait for the next one
/// and share it, so concurrent probes pay one WAL fsync (`synchronous=FULL`) per group instead of one each.
///
/// Durability is unchanged: ``write(_:)`` returns only after the transaction holding its work has committed
/// (and, with `synchronous=FULL`, been fsynced). Each piece of work runs in its own savepoint, so one that throws
/// is rolled back alone and its caller gets the error; if the commit itself fails, every caller in the group
/// gets that error and nothing of the group is stored.
final class GroupCommit: @unchecked Sendable {
    private struct Item {
        let work: (Database) throws -> Void
        let done: CheckedContinuation<Void, any Error>
    }

    private let writer: any DatabaseWriter
    private let lock = NSLock()
    private var pending: [Item] = []
    private var committing = false

    init(writer: any DatabaseWriter) { self.writer = writer }

    /// Runs `body` in the next group transaction and returns its result once that transaction is durable.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let item = Item(work: { db in box.value = try body(db) }, done: continuation)
            lock.lock()
            pending.append(item)
            let start = !committing
            committing = true
            lock.unlock()
            if start { Task { await self.drain() } }
        }
        guard let value = box.value else { throw AgentError(.spool, "group commit lost a result") }
        return value
    }

    /// The waiting work, taken for the next group; when there is none, the drain ends (under the same lock, so
    /// a writer arriving now starts a new drain).
    private func takePending() -> [Item] {
        lock.withLock {
            let group = pending
            pending = []
            if group.isEmpty { committing = false }
            return group
        }
    }

    /// Commits groups until nothing is pending.
    private func drain() async {
        while true {
            let group = takePending()
            if group.isEmpty { return }
            let works = UncheckedBox(group.map(\.work))
            do {
                let outcomes = try await writer.write { db -> [(any Error)?] in
                    works.value.map { work in
                        do {
                            try db.inSavepoint {
                                try work(db)
                                return .commit
                            }
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                for (item, error) in zip(group, outcomes) {
                    if let error { item.done.resume(throwing: error) } else { item.done.resume() }
                }
            } catch {
                for item in group { item.done.resume(throwing: error) }
            }
        }
    }
}

/// Carries a result out of the writer's queue; written once before the continuation resumes, read after.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Carries the group's closures onto the writer's queue (they run there serially, one group at a time).
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
