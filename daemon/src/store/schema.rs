//! Schema migrations keyed by SQLite's `user_version`. A database written by
//! a newer pdauthd is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

/// Refresh bookkeeping that survives restarts, the problem that keeps a
/// profile from working, and the audit log.
const V2: &str = "
ALTER TABLE tokens ADD COLUMN last_refresh_at INTEGER;
ALTER TABLE tokens ADD COLUMN last_refresh_ok INTEGER;
ALTER TABLE tokens ADD COLUMN last_refresh_message TEXT;
ALTER TABLE tokens ADD COLUMN problem TEXT;

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    profile    TEXT NOT NULL,
    event      TEXT NOT NULL,
    actor_uid  INTEGER,
    actor_pid  INTEGER,
    detail     TEXT
) STRICT;
CREATE INDEX audit_profile ON audit (profile, id);
CREATE INDEX audit_at ON audit (at);
";

/// Migration steps; step `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

const V1: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE tokens (
    profile            TEXT PRIMARY KEY,
    access_token       BLOB NOT NULL,
    refresh_token      BLOB,
    token_type         TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    obtained_at        INTEGER NOT NULL,
    expires_at         INTEGER,
    identity           TEXT NOT NULL,
    version            INTEGER NOT NULL,
    refresh_intent_at  INTEGER,
    updated_at         INTEGER NOT NULL
) STRICT;
";

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("the store was written by a newer pdauthd (schema {found}, this build knows {CURRENT}); upgrade pdauthd")]
    Newer { found: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Bring the database to [`CURRENT`], one version per transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT {
        return Err(MigrationError::Newer { found });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
