import Foundation
import GRDB

/// The agent's SQLite database in the spool directory: the observation spool, delivery obligations per
/// coordinator, root blobs, acknowledged digests, the last verified root per target and the sequence counter.
///
/// WAL mode with `synchronous=FULL`: every commit is fsynced before it returns. NORMAL would already survive a
/// killed process (SIGKILL), but after a power loss it may roll back the last commits — and with them the
/// sequence counter, so an agent could sign two different observations with one sequence number after an
/// observation had already been delivered. FULL costs one WAL fsync per commit; the agent's probes share commits
/// through ``GroupCommit`` (one fsync per group of concurrently finished probes, each still durable before it
/// returns).
public struct AgentDatabase: Sendable {
    let writer: any DatabaseWriter
    /// Shared transactions for concurrent writers (probes spooling observations and storing verified roots).
    let commits: GroupCommit

    /// Opens (creating if needed) `{directory}/agent.sqlite`.
    public static func open(directory: String) throws -> AgentDatabase {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            var configuration = GRDB.Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            configuration.busyMode = .timeout(10)
            let pool = try DatabasePool(path: (directory as NSString).appendingPathComponent("agent.sqlite"), configuration: configuration)
            return try AgentDatabase(writer: pool)
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.spool, "cannot open the spool in \(directory): \(error)")
        }
    }

    /// Wraps an open database (tests pass an in-memory queue) and migrates it.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        commits = GroupCommit(writer: writer)
        do {
            try Self.migrator.migrate(writer)
        } catch {
            throw AgentError(.spool, "cannot migrate the spool: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                CREATE TABLE observation (
                    id TEXT PRIMARY KEY NOT NULL,
                    sequence INTEGER NOT NULL UNIQUE,
                    target TEXT NOT NULL,
                    sha256 TEXT,
                    body BLOB NOT NULL,
                    created_at INTEGER NOT NULL);
                CREATE TABLE pending (
                    coordinator TEXT NOT NULL,
                    observation_id TEXT NOT NULL REFERENCES observation(id) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,
                    PRIMARY KEY (coordinator, observation_id));
                CREATE INDEX pending_order ON pending (coordinator, sequence);
                CREATE INDEX pending_observation ON pending (observation_id);
                CREATE TABLE root_blob (sha256 TEXT PRIMARY KEY NOT NULL, bytes BLOB NOT NULL);
                CREATE TABLE acked_digest (
                    coordinator TEXT NOT NULL, target TEXT NOT NULL, sha256 TEXT NOT NULL,
                    PRIMARY KEY (coordinator, target, sha256));
                CREATE TABLE trusted_root (
                    target TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, bytes BLOB NOT NULL,
                    updated_at INTEGER NOT NULL);
                """)
        }
        // A root adopted on approvals (not reached by a verified chain) keeps being attested `unchained`, so clients
        // still apply their own approvers to it.
        migrator.registerMigration("v2-adopted") { db in
            try db.execute(sql: "ALTER TABLE trusted_root ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0")
        }
        // `oci`/`file` sources: the first digest seen (the verdict's reference) and the facts of the last GET (a HEAD
        // that names the same digest again needs no GET).
        migrator.registerMigration("v3-trusted-content") { db in
            try db.execute(sql: """
                CREATE TABLE trusted_content (
                    source TEXT PRIMARY KEY NOT NULL, first_sha256 TEXT NOT NULL, last_facts BLOB NOT NULL,
                    updated_at INTEGER NOT NULL)
                """)
        }
        return migrator
    }
}
