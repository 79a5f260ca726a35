import Foundation
import VantageTestSupport
import GRDB
import Testing

@testable import VantageCoordinator

/// deploy/backup: an online backup of a running coordinator (started from the systemd unit), a restore, and the
/// schema migration a new release runs on an old database.
@Suite struct BackupTests {
    static var sqlite3: String? { Shell.which("sqlite3") }

    @Test(.enabled(if: sqlite3 != nil, "needs the sqlite3 CLI (Debian: sqlite3)"), .timeLimit(.minutes(3)))
    func onlineBackupRestoresTheSamePinList() async throws {
        let stack = try UnitStack(agents: 2)
        let backup = try temporaryDirectory("backup").appendingPathComponent("coordinator-backup.sqlite").path
        let database = stack.coordinatorHost.stateDirectory + "/coordinator.sqlite"
        var before = ""
        do {
            try await stack.start()
            _ = try await stack.waitForPinList()
            before = await HTTP.get(stack.baseURL + "/v1/pins").body
            // While the coordinator runs and agents keep reporting.
            let run = try await Shell.run(PackagePaths.path("deploy/backup/vantage-backup.sh"), [database, backup])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("latest pin list version"))
            #expect(await HTTP.get(stack.baseURL + "/readyz").status == 200)
            let again = try await Shell.run(PackagePaths.path("deploy/backup/vantage-backup.sh"), [database, backup])
            #expect(again.status != 0 && again.stderr.contains("refusing to overwrite"))
        } catch {
            await stack.stop()
            throw TestFailure("\(error)\n\(stack.coordinator?.log ?? "")")
        }
        let statuses = await stack.stop()
        #expect(statuses.coordinator == 0)
        #expect(FileManager.default.fileExists(atPath: backup))

        // Restore over the state directory (the coordinator is stopped), then start it again from the unit.
        let restore = try await Shell.run(PackagePaths.path("deploy/backup/vantage-restore.sh"), [backup, database])
        #expect(restore.status == 0, "\(restore.stderr)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: stack.coordinatorHost.stateDirectory)
            .filter { $0.hasPrefix("coordinator.sqlite.before-restore-") }
        #expect(!aside.isEmpty, "the replaced database is kept")
        try await stack.startCoordinator()
        let restored = await HTTP.get(stack.baseURL + "/v1/pins")
        let status = await stack.coordinator?.stop()
        #expect(restored.status == 200)
        #expect(restored.body == before, "the restored coordinator serves the pin list it had when backed up")
        #expect(status == 0)
    }

    @Test(.enabled(if: sqlite3 != nil, "needs the sqlite3 CLI (Debian: sqlite3)"))
    func restoreRefusesACorruptBackup() async throws {
        let dir = try temporaryDirectory("corrupt")
        let backup = dir.appendingPathComponent("bad.sqlite").path
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: backup))
        let database = dir.appendingPathComponent("coordinator.sqlite").path
        try Data("keep".utf8).write(to: URL(fileURLWithPath: database))
        let run = try await Shell.run(PackagePaths.path("deploy/backup/vantage-restore.sh"), [backup, database])
        #expect(run.status != 0)
        #expect(try String(contentsOfFile: database, encoding: .utf8) == "keep", "nothing touched")
    }

    /// An upgrade: a database left at every earlier point of the migration history (a backup of an older
    /// release) opens with the current code, which applies the rest, and is then ready.
    @Test func databasesOfEveryEarlierSchemaMigrateOnOpen() async throws {
        let migrator = Migrations.migrator
        let identifiers = migrator.migrations
        #expect(!identifiers.isEmpty)
        for (index, identifier) in identifiers.enumerated() {
            let path = try temporaryDirectory("migrate").appendingPathComponent("old.sqlite").path
            do {
                let old = try DatabaseQueue(path: path)
                try migrator.migrate(old, upTo: identifier)
                try old.close()
            }
            let database = try CoordinatorDatabase(path: path)
            #expect(await database.isReady(), "from \(identifier) (\(index + 1) of \(identifiers.count))")
            let applied = try await database.writer.read { try migrator.appliedIdentifiers($0) }
            #expect(applied == Set(identifiers))
        }
    }

    /// A database from a newer release (a migration this code does not know) is refused by an older binary:
    /// downgrades go through restoring the pre-upgrade backup.
    @Test func databaseFromANewerReleaseIsRefused() async throws {
        let path = try temporaryDirectory("newer").appendingPathComponent("new.sqlite").path
        do {
            var newer = Migrations.migrator
            newer.registerMigration("v999-from-the-future") { db in try db.execute(sql: "CREATE TABLE future(x INTEGER)") }
            let queue = try DatabaseQueue(path: path)
            try newer.migrate(queue)
            try queue.close()
        }
        let error = #expect(throws: CoordinatorError.self) { _ = try CoordinatorDatabase(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.reason.contains("newer release") == true, "\(error?.reason ?? "")")
    }
}
