import Foundation
import GRDB
import VantageCore

/// Published pin lists, every version kept (the hash chain).
struct PinListStore: Sendable {
    let database: CoordinatorDatabase

    /// Version, digest and expiry of the latest list, inside a caller's transaction.
    static func latestHead(_ db: Database) throws -> (version: Int64, digest: String, expires: Int64, issuedAt: Int64)? {
        try Row.fetchOne(db, sql: "SELECT version, digest, expires, issued_at FROM pin_lists ORDER BY version DESC LIMIT 1").map {
            ($0["version"], $0["digest"], $0["expires"], $0["issued_at"])
        }
    }

    /// Full list bodies kept besides the latest: the coordinator re-signs every quarter of `max_age`, so bodies are
    /// pruned to bound the database (about 16 × the list size); headers — the hash chain — are kept forever.
    static let bodyRetention: Int64 = 16

    static func insert(_ db: Database, _ published: PublishedPinList) throws {
        let header = published.list.header.signed
        try db.execute(
            sql: """
                INSERT INTO pin_lists(version, header_json, digest, body_json, etag, issued_at, expires)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                header.version, Data(published.headerBody), published.digest, Data(published.body), published.etag,
                header.issuedAt.seconds, header.expires.seconds,
            ])
        try db.execute(
            sql: "UPDATE pin_lists SET body_json = x'' WHERE version <= ? AND length(body_json) > 0",
            arguments: [header.version - bodyRetention])
    }

    /// The signed header of list `version` (kept for every version), as served.
    func header(version: Int64) async throws -> [UInt8]? {
        try await storage("read pin list header") {
            try await database.writer.read { db in
                try Data.fetchOne(db, sql: "SELECT header_json FROM pin_lists WHERE version = ?", arguments: [version]).map(Array.init)
            }
        }
    }

    /// List `version`, or the latest when `nil`.
    func load(version: Int64?) async throws -> PublishedPinList? {
        let body = try await storage("read pin list") {
            try await database.writer.read { db in
                if let version {
                    return try Data.fetchOne(db, sql: "SELECT body_json FROM pin_lists WHERE version = ?", arguments: [version])
                }
                return try Data.fetchOne(db, sql: "SELECT body_json FROM pin_lists ORDER BY version DESC LIMIT 1")
            }
        }
        // An empty body is a list older than the retention: only its header is kept.
        guard let body, !body.isEmpty else { return nil }
        do {
            return try PublishedPinList(list: try Canonical.decode(PinList.self, from: Array(body)))
        } catch {
            throw CoordinatorError(.storage, "stored pin list v\(version.map(String.init) ?? "latest") does not decode: \(error)")
        }
    }
}
