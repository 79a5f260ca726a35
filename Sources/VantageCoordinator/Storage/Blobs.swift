import Foundation
import GRDB

/// Root, manifest and file bytes, stored once by SHA-256 exactly as served.
enum Blobs {
    /// The bytes stored for `sha256`, if any.
    static func bytes(_ sha256: String, in db: Database) throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM blobs WHERE sha256 = ?"), arguments: [sha256]).map { Array($0) }
    }

    /// Those of `digests` whose bytes are stored (a target's few digests: one statement).
    static func stored(_ digests: [String], in db: Database) throws -> Set<String> {
        guard !digests.isEmpty else { return [] }
        return Set(try String.fetchAll(
            db, sql: "SELECT sha256 FROM blobs WHERE sha256 IN (\(databaseQuestionMarks(count: digests.count)))",
            arguments: StatementArguments(digests)))
    }
}
