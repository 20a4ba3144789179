//! The token store: one SQLite database in the state directory, the only
//! place tokens are written. Owns the connection and every SQL statement;
//! seals secret columns with the store key; migrates by `user_version`. Knows
//! nothing of tokio, HTTP or the wire protocol.

mod audit;
mod files;
mod schema;
mod tokens;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::crypto::StoreKey;
use pdauth_common::{Account, RefreshResult, UserSummary};

pub use audit::{NewAudit, Retention};
pub use files::{ensure_private_dir, restrict_file};
pub use schema::CURRENT as SCHEMA_VERSION;
pub use tokens::CommitError;

/// File name of the database inside the state directory.
pub const DB_FILE: &str = "store.db";
const KEY_CHECK_AAD: &[u8] = b"pdauth/v1/key-check";
const KEY_CHECK_PLAIN: &[u8] = b"pdauth store key check";

/// Who a token belongs to at PagerDuty and where its API lives. Not secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub account: Option<Account>,
    pub user: Option<UserSummary>,
    pub api_url: Option<String>,
}

/// Tokens to be written after a login.
#[derive(Debug, Clone)]
pub struct NewTokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub token_type: String,
    pub scopes: Vec<String>,
    pub obtained_at: i64,
    pub expires_at: Option<i64>,
    pub identity: Identity,
}

impl NewTokens {
    /// The tokens of a record, to write it again.
    pub fn from_record(record: &TokenRecord) -> Self {
        Self {
            access_token: record.access_token.clone(),
            refresh_token: record.refresh_token.clone(),
            token_type: record.token_type.clone(),
            scopes: record.scopes.clone(),
            obtained_at: record.obtained_at,
            expires_at: record.expires_at,
            identity: record.identity.clone(),
        }
    }
}

/// A stored row, secrets opened.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub profile: String,
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub token_type: String,
    pub scopes: Vec<String>,
    pub obtained_at: i64,
    pub expires_at: Option<i64>,
    pub identity: Identity,
    /// Bumped by every write of this row.
    pub version: i64,
    /// Set while a refresh was about to be sent; see the refresh planner.
    pub refresh_intent_at: Option<i64>,
    /// The last refresh attempt that reached a conclusion.
    pub last_refresh: Option<RefreshResult>,
    /// Why this profile needs a new login, if it does.
    pub problem: Option<String>,
}

/// A row that exists but cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub profile: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No usable key: nothing secret can be written or read.
    #[error("{0}")]
    NoKey(String),
    #[error("{0}")]
    Files(String),
    #[error("{0}")]
    Schema(#[from] schema::MigrationError),
    #[error("token store database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("sealing a token failed: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// Whether the store can hold secrets, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    Ready,
    Missing(String),
    /// A key was given but the database was sealed with another one.
    Mismatch,
}

/// What happened while opening, for the log and the health view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// A corrupt database was moved here and a new one created.
    pub moved_aside: Option<PathBuf>,
}

pub struct Store {
    conn: Connection,
    key: Option<StoreKey>,
    key_state: KeyState,
    dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("key_state", &self.key_state)
            .finish()
    }
}

impl Store {
    /// Open (or create) the store in `dir`. `key` is `Err(reason)` when no key
    /// could be loaded: the store then opens for status only and refuses to
    /// write tokens.
    pub fn open(dir: &Path, key: Result<StoreKey, String>) -> Result<(Store, OpenReport), StoreError> {
        ensure_private_dir(dir).map_err(StoreError::Files)?;
        let path = dir.join(DB_FILE);
        let mut report = OpenReport::default();
        let conn = match open_checked(&path) {
            Ok(conn) => conn,
            Err(OpenFailure::Corrupt(why)) => {
                let aside = move_aside(&path)?;
                tracing::error!(
                    database = %path.display(),
                    moved_to = %aside.display(),
                    reason = %why,
                    "token store is corrupt; moved it aside and started an empty store (log in again)"
                );
                report.moved_aside = Some(aside);
                open_checked(&path).map_err(|e| match e {
                    OpenFailure::Corrupt(why) | OpenFailure::Other(why) => StoreError::Files(why),
                })?
            }
            Err(OpenFailure::Other(why)) => return Err(StoreError::Files(why)),
        };
        let mut store = Store {
            conn,
            key: None,
            key_state: KeyState::Missing(String::new()),
            dir: dir.to_path_buf(),
        };
        schema::migrate(&mut store.conn)?;
        store.restrict_files()?;
        store.adopt_key(key)?;
        Ok((store, report))
    }

    fn adopt_key(&mut self, key: Result<StoreKey, String>) -> Result<(), StoreError> {
        let key = match key {
            Ok(key) => key,
            Err(reason) => {
                self.key_state = KeyState::Missing(reason);
                return Ok(());
            }
        };
        let check: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| r.get(0))
            .optional()?;
        match check {
            Some(sealed) => match key.open(KEY_CHECK_AAD, &sealed) {
                Ok(plain) if plain.as_slice() == KEY_CHECK_PLAIN => {
                    self.key = Some(key);
                    self.key_state = KeyState::Ready;
                }
                _ => self.key_state = KeyState::Mismatch,
            },
            None => {
                let sealed = key.seal(KEY_CHECK_AAD, KEY_CHECK_PLAIN)?;
                let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                    params![sealed],
                )?;
                tx.commit()?;
                self.key = Some(key);
                self.key_state = KeyState::Ready;
            }
        }
        Ok(())
    }

    pub fn key_state(&self) -> &KeyState {
        &self.key_state
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn key(&self) -> Result<&StoreKey, StoreError> {
        match (&self.key, &self.key_state) {
            (Some(key), KeyState::Ready) => Ok(key),
            (_, KeyState::Missing(reason)) => Err(StoreError::NoKey(format!("tokens cannot be stored: {reason}"))),
            _ => Err(StoreError::NoKey(
                "tokens cannot be stored: the store key does not match the database (was the key replaced?)".into(),
            )),
        }
    }

    pub(crate) fn restrict_files(&self) -> Result<(), StoreError> {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            restrict_file(&self.dir.join(format!("{DB_FILE}{suffix}"))).map_err(StoreError::Files)?;
        }
        Ok(())
    }

    /// Copy the WAL into the database and truncate it; with `secure_delete`
    /// freed content is zeroed, so deleted secrets leave no bytes behind.
    pub(crate) fn checkpoint(&self) {
        let result = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
        match result {
            Ok(0) => {}
            Ok(_) => tracing::warn!("WAL checkpoint was blocked; old token bytes may remain until the next one"),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

enum OpenFailure {
    Corrupt(String),
    Other(String),
}

fn open_checked(path: &Path) -> Result<Connection, OpenFailure> {
    create_private_file(path).map_err(OpenFailure::Other)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| OpenFailure::Other(format!("cannot open token store {}: {e}", path.display())))?;
    let setup = |conn: &Connection| -> rusqlite::Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "journal_mode stayed {mode}"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(check),
            ));
        }
        Ok(())
    };
    match setup(&conn) {
        Ok(()) => Ok(conn),
        Err(e) if is_corruption(&e) => Err(OpenFailure::Corrupt(e.to_string())),
        Err(e) => Err(OpenFailure::Other(format!(
            "cannot open token store {}: {e}",
            path.display()
        ))),
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase)
    )
}

/// Create the database file 0600 before SQLite does, so it never exists with
/// a umask-derived mode.
fn create_private_file(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => restrict_file(path),
        Err(e) => Err(format!("cannot create token store {}: {e}", path.display())),
    }
}

fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let aside = path.with_file_name(format!("{DB_FILE}.corrupt-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&from, &to).map_err(|e| {
                StoreError::Files(format!(
                    "token store {} is corrupt and cannot be moved aside: {e}",
                    path.display()
                ))
            })?;
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests;
