import GRDB

/// The coordinator's SQLite database: one owner of the schema, opened as a WAL `DatabasePool` with ordered
/// migrations (``Migrations``). SQLite suits a single-writer coordinator; scale-out is several independent
/// coordinators, each with its own database (DESIGN.md, Scale).
public struct CoordinatorDatabase: Sendable {
    /// The writer (a `DatabasePool`); stores use `read`/`write` on it.
    let writer: any DatabaseWriter

    /// Opens (creating when missing) the database at `path` and runs pending migrations; refuses a database
    /// migrated by a newer release.
    ///
    /// - Parameter synchronousFull: `PRAGMA synchronous = FULL` (fsync on every commit, so an acknowledged
    ///   batch survives power loss) or `NORMAL` (WAL default: survives process crashes only).
    /// - Throws: ``CoordinatorError`` (`storage`).
    public init(path: String, synchronousFull: Bool = true) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: synchronousFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            // A database migrated by a newer release must not be used (and written) by an older binary:
            // downgrade by restoring the backup taken before the upgrade (deploy/README.md).
            if try writer.read(Migrations.migrator.hasBeenSuperseded) {
                throw CoordinatorError(.storage, "\(path) was migrated by a newer release of the coordinator; run that release or restore the backup taken before the upgrade")
            }
            try Migrations.migrator.migrate(writer)
        } catch let error as CoordinatorError {
            throw error
        } catch {
            throw CoordinatorError(.storage, "cannot open database \(path): \(error)")
        }
    }

    /// Bytes in use after a WAL checkpoint (`(page_count − freelist_count) × page_size`), for storage benchmarks.
    package func usedBytes() async throws -> Int64 {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let pages = (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0) - (try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return pages * size
        }
    }

    /// Rows of the tables that grow with time (observation ids, spans, pins, headers, events), for storage benchmarks.
    package func rowCounts() async throws -> [(table: String, rows: Int)] {
        try await writer.read { db in
            try ["observations_seen", "spans", "pins", "pin_lists", "published_pins", "events", "outbox"].map { table in
                (table, try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0)
            }
        }
    }

    /// Whether the database answers and every migration has run (`/readyz`).
    public func isReady() async -> Bool {
        do {
            return try await writer.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT 1")
                return try Migrations.migrator.hasCompletedMigrations(db)
            }
        } catch {
            return false
        }
    }
}

/// Wraps database errors as ``CoordinatorError`` (`storage`), leaving coordinator errors as they are.
func storage<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as CoordinatorError {
        throw error
    } catch {
        throw CoordinatorError(.storage, "\(what): \(error)")
    }
}
