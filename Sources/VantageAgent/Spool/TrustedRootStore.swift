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

    /// The stored root of `key`, or `nil` when there is none. A stored root that cannot be read or no longer
    /// parses is an error, never "no history" (which would make the next root a first sight).
    public func root(for key: String) throws -> Root? { try entry(for: key)?.root }

    /// The stored root of `key` and whether it was adopted on approvals rather than reached by a verified chain.
    public func entry(for key: String) throws -> (root: Root, adopted: Bool)? {
        let row: Row?
        do {
            row = try database.writer.read { db in
                try Row.fetchOne(db, sql: "SELECT bytes, adopted FROM trusted_root WHERE target = ?", arguments: [key])
            }
        } catch {
            throw AgentError(.spool, "cannot read a trusted root: \(error)")
        }
        guard let row else { return nil }
        let bytes: Data = row["bytes"]
        do {
            return (try Root.parse(bytes), (row["adopted"] as Int64) != 0)
        } catch {
            throw AgentError(.spool, "the stored trusted root no longer parses: \(error)")
        }
    }

    /// Stores `root` as the newest verified root of `key` (never replacing a newer one), in a transaction shared with
    /// other concurrent writers (``GroupCommit``): returns once the root is committed and durable, so the walk goes on
    /// only from a persisted root.
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

    /// `replacing`: an adoption on approvals (any version, marked adopted); otherwise a verified root, which never
    /// replaces a newer one and clears the mark.
    static func upsert(_ db: Database, _ root: Root, for key: String, at now: Date, replacing: Bool) throws {
        try db.execute(sql: """
            INSERT INTO trusted_root (target, version, bytes, updated_at, adopted) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(target) DO UPDATE SET version = excluded.version, bytes = excluded.bytes,
                updated_at = excluded.updated_at, adopted = excluded.adopted
                WHERE ? OR excluded.version >= trusted_root.version
            """, arguments: [key, root.version, Data(root.bytes), Int64(now.timeIntervalSince1970), replacing, replacing])
    }
}
