import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Testing
import VantageCore
import VantageTestSupport

@testable import VantageCoordinator

/// `targets` rows of every kind: the v8 migration rebuilds the table keeping rows written before it, and `oci` and
/// `file` specs (repository, tag, change policy) round-trip through the registry.
@Suite struct ContentTargetStorageTests {
    @Test func upgradeKeepsRootTargetsAndTheirHistory() throws {
        let scratch = try Scratch("vantage-v8")
        defer { scratch.remove() }
        let queue = try DatabaseQueue(path: scratch.file("coordinator.sqlite"))
        try Migrations.migrator.migrate(queue, upTo: "v7-attestation-key-ids")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO agents(id, region, public_key, enrolled_at) VALUES ('a', 'eu', 'key', 0)")
            try db.execute(
                sql: "INSERT INTO targets(id, kind, url, gun, added_at, removed_at) VALUES ('d', 'notary', 'https://notary.example', 'd', 5, 9)")
            try db.execute(sql: "INSERT INTO targets(id, kind, url, added_at) VALUES ('t', 'tuf', 'https://tuf.example', 7)")
            try db.execute(
                sql: """
                    INSERT INTO spans(agent, target, outcome, first_seen, last_seen, count, last_observation, is_current)
                    VALUES ('a', 't', 'error:timeout', 1, 1, 1, '{}', 1)
                    """)
            // Positive control of the rebuild: before it, the table refuses the new kinds.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO targets(id, kind, url, added_at) VALUES ('i', 'oci', 'https://r.example', 0)")
            }
        }
        try Migrations.migrator.migrate(queue)
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, kind, url, gun, added_at, removed_at FROM targets ORDER BY id")
            #expect(rows == [
                ["id": "d", "kind": "notary", "url": "https://notary.example", "gun": "d", "added_at": 5, "removed_at": 9],
                ["id": "t", "kind": "tuf", "url": "https://tuf.example", "gun": nil, "added_at": 7, "removed_at": nil],
            ])
            #expect(try RegistryStore.activeTargets(db) == [TargetSpec(id: "t", kind: .tuf, url: "https://tuf.example")])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM spans") == 1)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
        // An unknown kind or policy is still refused.
        try queue.write { db in
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO targets(id, kind, url, added_at) VALUES ('x', 'ftp', 'https://x.example', 0)")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO targets(id, kind, url, added_at, changes) VALUES ('x', 'file', 'https://x.example', 0, 'maybe')")
            }
        }
    }

    @Test func contentTargetsRoundTrip() async throws {
        let specs = [
            TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2"),
            TargetSpec(id: "base", kind: .oci, url: ContentSample.registry, repository: "library/base", tag: "1.0", changes: .hold),
            TargetSpec(id: "key", kind: .file, url: "https://keys.example.test/release.pub", changes: .follow),
        ]
        let c = try await TestCoordinator(targets: specs)
        let stored = try await c.coordinator.database.writer.read { db in try RegistryStore.activeTargets(db) }
        #expect(stored == specs)
        // A new change policy for the same source is a new decision, not a new source.
        let registry = RegistryStore(database: c.coordinator.database, directory: Directory())
        var follow = specs[1]
        follow.changes = .follow
        #expect(try await registry.add(follow, now: c.now, allowSourceChange: false) == .policyChanged)
        #expect(try await registry.add(follow, now: c.now, allowSourceChange: false) == .unchanged)
        var retagged = specs[1]
        retagged.tag = "1.1"
        await #expect(throws: CoordinatorError.self) { try await registry.add(retagged, now: c.now, allowSourceChange: false) }
    }

    /// The admin API takes the same specs as JSON; a new change policy for the same source is recorded by name, and
    /// a spec without its tag is refused.
    @Test func adminAddsContentTargets() async throws {
        let c = try await TestCoordinator()
        let spec = TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2")
        try await c.coordinator.application.test(.router) { client in
            #expect(try await client.admin(.post, APIPath.targets, body: spec) == .created)
            #expect(try await client.admin(.post, APIPath.targets, body: spec) == .ok)
            var hold = spec
            hold.changes = .hold
            #expect(try await client.admin(.post, APIPath.targets, body: hold) == .created)
            var untagged = spec
            untagged.tag = nil
            #expect(try await client.admin(.post, APIPath.targets, body: untagged) == .badRequest)
            let policy = try await client.get(TrustPolicy.self, APIPath.policy)
            #expect(policy.targets.first { $0.id == "app" }?.changes == .hold)
            #expect(policy.targets.first { $0.id == "app" }?.source == spec.source)
        }
        let messages = try await c.coordinator.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT json_extract(json, '$.message') FROM events WHERE kind = 'admin_action' ORDER BY cursor")
        }
        #expect(messages == ["target app added by admin: oci https://registry.example.test library/app:1.2", "target app changes set to hold by admin"])
    }

    /// `consensus.immutable_tags` configured after targets were added through the API: at the next start each stored
    /// `oci` target without a change policy whose tag matches is held, with an event; the others keep theirs.
    @Test func immutableTagsReachTargetsStoredBefore() async throws {
        let first = try await TestCoordinator(targets: [])
        let version = TargetSpec(id: "app", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "1.2.3")
        let latest = TargetSpec(id: "edge", kind: .oci, url: ContentSample.registry, repository: "library/app", tag: "latest")
        let chosen = TargetSpec(id: "pinned", kind: .oci, url: ContentSample.registry, repository: "library/base", tag: "2.0.0", changes: .follow)
        try await first.coordinator.application.test(.router) { (client) async throws in
            #expect(try await client.admin(.post, APIPath.targets, body: version) == .created)
            #expect(try await client.admin(.post, APIPath.targets, body: latest) == .created)
            #expect(try await client.admin(.post, APIPath.targets, body: chosen) == .created)
        }
        func changes(_ c: TestCoordinator) async throws -> [String: String] {
            try await c.coordinator.database.writer.read { db in
                Dictionary(uniqueKeysWithValues: try RegistryStore.activeTargets(db).map { ($0.id, $0.changes?.rawValue ?? "-") })
            }
        }
        // Control: without the pattern nothing is held.
        #expect(try await changes(first) == ["app": "-", "edge": "-", "pinned": "follow"])

        let restarted = try await TestCoordinator(targets: [], reusing: first) { $0.immutableTags = ImmutableTags(["*.*.*"]) }
        #expect(try await changes(restarted) == ["app": "hold", "edge": "-", "pinned": "follow"])
        try await restarted.coordinator.application.test(.router) { client in
            let policy = try await client.get(TrustPolicy.self, APIPath.policy)
            #expect(policy.targets.first { $0.id == "app" }?.changes == .hold)
            #expect(policy.targets.first { $0.id == "edge" }?.changes == .follow)
        }
        let messages = try await restarted.coordinator.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT json_extract(json, '$.message') FROM events WHERE kind = 'admin_action' AND json_extract(json, '$.details.by') = 'consensus.immutable_tags'")
        }
        #expect(messages == ["target app changes set to hold by consensus.immutable_tags (tag 1.2.3)"])
        // Once held, another start changes nothing and says nothing more.
        let again = try await TestCoordinator(targets: [], reusing: first) { $0.immutableTags = ImmutableTags(["*.*.*"]) }
        #expect(try await again.coordinator.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE json_extract(json, '$.details.by') = 'consensus.immutable_tags'")
        } == 1)
    }
}
