import Foundation
import GRDB
import VantageTUF

/// The last root the agent verified for each target (exact bytes), so the next poll walks on from it.
public struct TrustedRootStore: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// The stored root of `target`, or `nil`. A stored root that no longer parses is ignored.
    public func root(for target: String) throws -> Root? {
        let bytes: Data?
        do {
            bytes = try database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT bytes FROM trusted_root WHERE target = ?", arguments: [target])
            }
        } catch {
            throw AgentError(.spool, "cannot read the trusted root of \(target): \(error)")
        }
        return bytes.flatMap { try? Root.parse($0) }
    }

    /// Stores `root` as the newest verified root of `target` (never replacing a newer one).
    public func store(_ root: Root, for target: String, at now: Date) throws {
        do {
            try database.writer.write { db in try Self.upsert(db, root, for: target, at: now) }
        } catch {
            throw AgentError(.spool, "cannot store the trusted root of \(target): \(error)")
        }
    }

    /// ``store(_:for:at:)`` in a transaction shared with other concurrent writers (``GroupCommit``): returns once
    /// the root is committed and durable, so the walk goes on only from a persisted root.
    public func storeDurably(_ root: Root, for target: String, at now: Date) async throws {
        do {
            try await database.commits.write { db in try Self.upsert(db, root, for: target, at: now) }
        } catch {
            throw AgentError(.spool, "cannot store the trusted root of \(target): \(error)")
        }
    }

    static func upsert(_ db: Database, _ root: Root, for target: String, at now: Date) throws {
        try db.execute(sql: """
            INSERT INTO trusted_root (target, version, bytes, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(target) DO UPDATE SET version = excluded.version, bytes = excluded.bytes,
                updated_at = excluded.updated_at WHERE excluded.version >= trusted_root.version
            """, arguments: [target, root.version, Data(root.bytes), Int64(now.timeIntervalSince1970)])
    }
}
