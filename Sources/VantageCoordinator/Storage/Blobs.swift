import Foundation
import GRDB

/// Root bytes, stored once by SHA-256 exactly as served.
enum Blobs {
    /// The bytes stored for `sha256`, if any.
    static func bytes(_ sha256: String, in db: Database) throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM blobs WHERE sha256 = ?"), arguments: [sha256]).map { Array($0) }
    }
}
