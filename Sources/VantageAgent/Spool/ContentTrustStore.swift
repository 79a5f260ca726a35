import Foundation
import GRDB
import VantageCore

/// What the agent remembers of each `oci` or `file` source: the first digest it saw there, against which every later
/// digest is attested `same` or `changed` (content has no signed chain to follow), and the facts of its last `GET`.
///
/// Keys are ``VantageCore/RepositorySource/storageKey`` values, as for trusted roots: a re-pointed target id starts
/// with no history.
public struct ContentTrustStore: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// The first digest and last fetched facts of `key`, or `nil` when the source was never seen. An unreadable row is
    /// an error, never "no history" (which would make the next digest a first sight).
    public func entry(for key: String) throws -> (first: String, last: ContentFacts)? {
        do {
            guard let row = try database.writer.read({ db in
                try Row.fetchOne(db, sql: "SELECT first_sha256, last_facts FROM trusted_content WHERE source = ?", arguments: [key])
            }) else { return nil }
            let facts: Data = row["last_facts"]
            return (row["first_sha256"], try JSONDecoder().decode(ContentFacts.self, from: facts))
        } catch {
            throw AgentError(.spool, "cannot read the content history of a source: \(error)")
        }
    }

    /// Records `facts` as the last fetched for `key`; the first digest is kept once set. Durable when it returns.
    public func storeDurably(_ facts: ContentFacts, for key: String, at now: Date) async throws {
        do {
            let encoded = try JSONEncoder().encode(facts)
            try await database.commits.write { db in
                try db.execute(sql: """
                    INSERT INTO trusted_content (source, first_sha256, last_facts, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(source) DO UPDATE SET last_facts = excluded.last_facts, updated_at = excluded.updated_at
                    """, arguments: [key, facts.sha256, encoded, Int64(now.timeIntervalSince1970)])
            }
        } catch {
            throw AgentError(.spool, "cannot store the content history of a source: \(error)")
        }
    }
}
