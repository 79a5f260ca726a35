import Foundation
import GRDB
import VantageTUF

/// The last root the agent verified for each source (exact bytes), so the next poll walks on from it.
///
/// Keys are ``VantageCore/RepositorySource/storageKey`` values (kind, normalised URL, GUN), never target ids: a
/// coordinator that re-points a target id at another repository gets a source with no history, not this one's.
/// (The column keeps its first name, `target`.)
public struct TrustedRootStore: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// The stored root of `key`, or `nil`. A stored root that no longer parses is ignored.
    public func root(for key: String) throws -> Root? {
        let bytes: Data?
        do {
            bytes = try database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT bytes FROM trusted_root WHERE target = ?", arguments: [key])
            }
        } catch {
            throw AgentError(.spool, "cannot read a trusted root: \(error)")
        }
        return bytes.flatMap { try? Root.parse($0) }
    }

    /// Stores `root` as the newest verified root of `key` (never replacing a newer one).
    public func store(_ root: Root, for key: String, at now: Date) throws {
        do {
            try database.writer.write { db in try Self.upsert(db, root, for: key, at: now, replacing: false) }
        } catch {
            throw AgentError(.spool, "cannot store a trusted root: \(error)")
        }
    }

    /// ``store(_:for:at:)`` in a transaction shared with other concurrent writers (``GroupCommit``): returns once
    /// the root is committed and durable, so the walk goes on only from a persisted root.
    public func storeDurably(_ root: Root, for key: String, at now: Date) async throws {
        do {
            try await database.commits.write { db in try Self.upsert(db, root, for: key, at: now, replacing: false) }
        } catch {
            throw AgentError(.spool, "cannot store a trusted root: \(error)")
        }
    }

    /// Makes `root` the trusted root of `key` whatever its version: only for an unchained root that approvers of
    /// this agent's own configuration signed.
    public func replaceDurably(_ root: Root, for key: String, at now: Date) async throws {
        do {
            try await database.commits.write { db in try Self.upsert(db, root, for: key, at: now, replacing: true) }
        } catch {
            throw AgentError(.spool, "cannot store a trusted root: \(error)")
        }
    }

    static func upsert(_ db: Database, _ root: Root, for key: String, at now: Date, replacing: Bool) throws {
        try db.execute(sql: """
            INSERT INTO trusted_root (target, version, bytes, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(target) DO UPDATE SET version = excluded.version, bytes = excluded.bytes,
                updated_at = excluded.updated_at WHERE ? OR excluded.version >= trusted_root.version
            """, arguments: [key, root.version, Data(root.bytes), Int64(now.timeIntervalSince1970), replacing])
    }
}
