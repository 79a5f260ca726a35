import GRDB

/// The schema, as ordered migrations. A migration is never edited once released: add a new one instead.
///
/// Times are whole seconds since 1970 (``VantageCore/Timestamp``) except `outbox.next_attempt_at` (milliseconds).
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE agents(
                    id TEXT PRIMARY KEY NOT NULL,
                    region TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    enrolled_at INTEGER NOT NULL,
                    last_seen INTEGER
                );
                CREATE TABLE targets(
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('notary', 'tuf')),
                    url TEXT NOT NULL,
                    gun TEXT,
                    added_at INTEGER NOT NULL,
                    removed_at INTEGER
                );
                -- Idempotency: ids of every accepted observation (may be pruned by age).
                CREATE TABLE observations_seen(
                    id TEXT PRIMARY KEY NOT NULL,
                    agent TEXT NOT NULL,
                    target TEXT NOT NULL,
                    observed_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX observations_seen_by_time ON observations_seen(observed_at);
                -- One row per run of identical outcomes (root digest or error:<kind>) of one agent for one target.
                CREATE TABLE spans(
                    id INTEGER PRIMARY KEY,
                    agent TEXT NOT NULL REFERENCES agents(id),
                    target TEXT NOT NULL REFERENCES targets(id),
                    outcome TEXT NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    count INTEGER NOT NULL CHECK (count >= 1),
                    attestation_observed_at INTEGER,
                    attestation_signature TEXT,
                    last_observation TEXT NOT NULL,
                    is_current INTEGER NOT NULL CHECK (is_current IN (0, 1))
                );
                CREATE UNIQUE INDEX spans_current ON spans(agent, target) WHERE is_current = 1;
                CREATE INDEX spans_by_target ON spans(target, outcome);
                CREATE TABLE blobs(
                    sha256 TEXT PRIMARY KEY NOT NULL,
                    bytes BLOB NOT NULL
                );
                -- Every pin a target ever had, kept forever.
                CREATE TABLE pins(
                    target TEXT NOT NULL REFERENCES targets(id),
                    seq INTEGER NOT NULL,
                    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
                    version INTEGER NOT NULL,
                    classification TEXT NOT NULL,
                    pinned_at INTEGER NOT NULL,
                    approved_by TEXT,
                    first_pinned_at INTEGER NOT NULL,
                    PRIMARY KEY (target, seq)
                );
                CREATE TABLE approvals(
                    target TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    approved_at INTEGER NOT NULL,
                    note TEXT,
                    PRIMARY KEY (target, sha256)
                );
                CREATE TABLE target_state(
                    target TEXT PRIMARY KEY NOT NULL REFERENCES targets(id),
                    status TEXT NOT NULL,
                    leading TEXT,
                    classification TEXT,
                    reasons TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                -- Every published pin list (the hash chain), kept forever.
                CREATE TABLE pin_lists(
                    version INTEGER PRIMARY KEY,
                    header_json BLOB NOT NULL,
                    digest TEXT NOT NULL UNIQUE,
                    body_json BLOB NOT NULL,
                    etag TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    expires INTEGER NOT NULL
                );
                CREATE TABLE events(
                    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    target TEXT,
                    at INTEGER NOT NULL,
                    json TEXT NOT NULL
                );
                CREATE TABLE outbox(
                    event TEXT NOT NULL REFERENCES events(id),
                    channel TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    delivered_at INTEGER,
                    last_error TEXT,
                    PRIMARY KEY (event, channel)
                );
                CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL;
                -- Health conditions already alerted on (expiry, silent agents), so events fire on transitions only.
                CREATE TABLE alert_state(
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
        }
        // Trust model v2: attestations bind the source and the agent's continuity verdict; approvals are signed by
        // approvers' keys. v1 attestations cannot verify under v2, so every span is closed (agents re-attest on their
        // next poll) and v1 pins, which have no source, never carry over.
        migrator.registerMigration("v2-source-binding") { db in
            try db.execute(sql: """
                ALTER TABLE spans ADD COLUMN attestation_continuity TEXT;
                UPDATE spans SET is_current = 0;
                ALTER TABLE pins ADD COLUMN source TEXT;
                CREATE TABLE signed_approvals(
                    target TEXT NOT NULL,
                    source TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    approver TEXT NOT NULL,
                    approved_at INTEGER NOT NULL,
                    signature TEXT NOT NULL,
                    note TEXT,
                    received_at INTEGER NOT NULL,
                    PRIMARY KEY (target, source, sha256, approver)
                );
                """)
        }
        // Operator lifecycle: agents leave consensus and exported policies when removed (kept for history), each
        // enrolment says who made it, and alerts can be acknowledged by a named admin.
        migrator.registerMigration("v3-operator-lifecycle") { db in
            try db.execute(sql: """
                ALTER TABLE agents ADD COLUMN removed_at INTEGER;
                ALTER TABLE agents ADD COLUMN enrolled_by TEXT NOT NULL DEFAULT 'configuration';
                CREATE TABLE alert_acks(
                    event TEXT PRIMARY KEY NOT NULL,
                    acknowledged_by TEXT NOT NULL,
                    acknowledged_at INTEGER NOT NULL,
                    note TEXT
                );
                """)
        }
        // Incremental consensus: a round decides only targets whose `due_at` has come (ingest and admin actions set it
        // to 0; each decision sets the next instant anything could change), and the latest list's pins are kept row by
        // row so a publication writes only the pins it changed. Every target is decided once after the upgrade.
        migrator.registerMigration("v4-incremental-consensus") { db in
            try db.execute(sql: """
                ALTER TABLE target_state ADD COLUMN due_at INTEGER;
                ALTER TABLE target_state ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                INSERT OR IGNORE INTO target_state(target, status, reasons, updated_at) SELECT id, 'unobserved', '[]', added_at FROM targets;
                UPDATE target_state SET due_at = 0;
                CREATE INDEX target_state_due ON target_state(due_at) WHERE due_at IS NOT NULL;
                CREATE INDEX spans_current_by_target ON spans(target) WHERE is_current = 1;
                CREATE INDEX spans_attested ON spans(target, attestation_observed_at) WHERE attestation_signature IS NOT NULL;
                -- The pins of the latest list (a row per target), and when each needs fresh attestations.
                CREATE TABLE published_pins(
                    target TEXT PRIMARY KEY NOT NULL,
                    pin_json BLOB NOT NULL,
                    refresh_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX published_pins_refresh ON published_pins(refresh_at);
                """)
        }
        // Compact replay ids: at 100,000 targets × 20 agents the table holds about 12 million ids (an hour of
        // observations), and as hex text beside agent and target in a random-order key plus a time index it was most
        // of the database. An id is the SHA-256 of the signed bytes, which include the observation time, so
        // (observed_at, raw id) identifies the same observations: rows arrive in time order and pruning removes a
        // prefix of the one key.
        migrator.registerMigration("v5-compact-replay-ids") { db in
            try db.execute(sql: """
                ALTER TABLE observations_seen RENAME TO observations_seen_v1;
                CREATE TABLE observations_seen(
                    observed_at INTEGER NOT NULL,
                    id BLOB NOT NULL,
                    PRIMARY KEY (observed_at, id)
                ) WITHOUT ROWID;
                """)
            let rows = try Row.fetchCursor(db, sql: "SELECT observed_at, id FROM observations_seen_v1")
            let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO observations_seen(observed_at, id) VALUES (?, ?)")
            while let row = try rows.next() {
                try insert.execute(arguments: [row["observed_at"] as Int64, IngestStore.replayKey(row["id"])])
            }
            try db.execute(sql: "DROP TABLE observations_seen_v1")
        }
        // Alerts that close: every event that opens or resolves an alert names it (`events.alert`, the
        // `details.alert` key), so the open alerts are the keys whose latest event is not a resolution. Earlier events
        // carry no key: the stored conditions are forgotten and every target decided again, so each alert still open
        // is raised once more with its key (and resolved later). Agents' error messages are kept with their spans.
        migrator.registerMigration("v6-alert-keys") { db in
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN alert TEXT;
                CREATE INDEX events_by_alert ON events(alert, cursor) WHERE alert IS NOT NULL;
                DELETE FROM alert_state;
                UPDATE target_state SET due_at = 0, revision = revision + 1;
                ALTER TABLE spans ADD COLUMN error_message TEXT;
                """)
        }
        // Verify once: ingest verifies every attestation, and the id of the agent key it verified under is kept with
        // it, so publication does not verify it again while that key is enrolled. Older rows have none and are
        // verified at publication as before.
        migrator.registerMigration("v7-attestation-key-ids") { db in
            try db.execute(sql: "ALTER TABLE spans ADD COLUMN attestation_key_id TEXT")
        }
        // Image tags and files: targets of kind `oci` (a registry's repository and tag) and `file`, with an optional
        // change policy. SQLite cannot alter a CHECK constraint, so the table is rebuilt (GRDB runs migrations with
        // foreign keys off and checks them at the end), keeping every row.
        migrator.registerMigration("v8-content-targets") { db in
            try db.execute(sql: """
                CREATE TABLE targets_v8(
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('notary', 'tuf', 'oci', 'file')),
                    url TEXT NOT NULL,
                    gun TEXT,
                    added_at INTEGER NOT NULL,
                    removed_at INTEGER,
                    repository TEXT,
                    tag TEXT,
                    changes TEXT CHECK (changes IN ('follow', 'hold'))
                );
                INSERT INTO targets_v8(id, kind, url, gun, added_at, removed_at) SELECT id, kind, url, gun, added_at, removed_at FROM targets;
                DROP TABLE targets;
                ALTER TABLE targets_v8 RENAME TO targets;
                """)
        }
        return migrator
    }
}
