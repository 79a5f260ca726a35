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
        guard let body else { return nil }
        do {
            return try PublishedPinList(list: try Canonical.decode(PinList.self, from: Array(body)))
        } catch {
            throw CoordinatorError(.storage, "stored pin list v\(version.map(String.init) ?? "latest") does not decode: \(error)")
        }
    }
}
