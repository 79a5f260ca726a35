import GRDB
import VantageCore

/// Enrolled agents, watched targets and operator approvals.
struct RegistryStore: Sendable {
    let database: CoordinatorDatabase
    let directory: Directory

    /// Loads agents and active targets into the ``Directory``.
    func loadDirectory() async throws {
        let contents = try await storage("load directory") {
            try await database.writer.read { db in
                var contents = Directory.Contents()
                for row in try Row.fetchAll(db, sql: "SELECT id, region, public_key FROM agents") {
                    let key = try PublicIdentity(base64: row["public_key"])
                    contents.agents[row["id"]] = AgentEnrollment(id: row["id"], region: row["region"], publicKey: key)
                }
                for spec in try Self.activeTargets(db) { contents.targets[spec.id] = spec }
                return contents
            }
        }
        directory.replace(contents)
    }

    /// Inserts or updates an agent's enrolment (its region and key).
    func enroll(_ agent: AgentEnrollment, now: Timestamp) async throws {
        try await storage("enroll agent") {
            try await database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO agents(id, region, public_key, enrolled_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET region = excluded.region, public_key = excluded.public_key
                        """,
                    arguments: [agent.id, agent.region, agent.publicKey.base64, now.seconds])
            }
        }
        directory.put(agent: agent)
    }

    /// Adds a target, or re-activates and updates a removed one. Returns whether it was new or re-activated.
    @discardableResult
    func add(_ spec: TargetSpec, now: Timestamp) async throws -> Bool {
        let added = try await storage("add target") {
            try await database.writer.write { db in
                let wasActive = try Bool.fetchOne(
                    db, sql: "SELECT removed_at IS NULL FROM targets WHERE id = ?", arguments: [spec.id]) ?? false
                try db.execute(
                    sql: """
                        INSERT INTO targets(id, kind, url, gun, added_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, url = excluded.url, gun = excluded.gun,
                            removed_at = NULL
                        """,
                    arguments: [spec.id, spec.kind.rawValue, spec.url, spec.gun, now.seconds])
                return !wasActive
            }
        }
        directory.put(target: spec)
        return added
    }

    /// Marks a target removed (history and pins are kept). Returns `false` when no active target has `id`.
    func remove(target id: String, now: Timestamp) async throws -> Bool {
        let removed = try await storage("remove target") {
            try await database.writer.write { db in
                try db.execute(
                    sql: "UPDATE targets SET removed_at = ? WHERE id = ? AND removed_at IS NULL", arguments: [now.seconds, id])
                return db.changesCount > 0
            }
        }
        if removed { directory.remove(target: id) }
        return removed
    }

    /// Records an operator approval of `sha256` for `target` (it may precede the digest's appearance).
    func approve(target: String, sha256: String, note: String?, now: Timestamp) async throws {
        try await storage("approve") {
            try await database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO approvals(target, sha256, approved_at, note) VALUES (?, ?, ?, ?)
                        ON CONFLICT(target, sha256) DO UPDATE SET approved_at = excluded.approved_at, note = excluded.note
                        """,
                    arguments: [target, sha256, now.seconds, note])
            }
        }
    }

    static func activeTargets(_ db: Database) throws -> [TargetSpec] {
        try Row.fetchAll(db, sql: "SELECT id, kind, url, gun FROM targets WHERE removed_at IS NULL ORDER BY id").map {
            TargetSpec(id: $0["id"], kind: TargetSpec.Kind(rawValue: $0["kind"]) ?? .tuf, url: $0["url"], gun: $0["gun"])
        }
    }
}
