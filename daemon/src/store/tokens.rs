//! Token rows: reading and opening them, writing a login, the refresh intent
//! and the atomic commit of a rotated pair, refresh outcomes, problems and
//! deletion. Every write is one `BEGIN IMMEDIATE` transaction.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use secrecy::{ExposeSecret, SecretString};

use super::{Identity, NewTokens, Store, StoreError, TokenRecord, Unreadable};
use crate::crypto::column_aad;
use pdauth_common::RefreshResult;

const COLUMNS: &str = "profile, access_token, refresh_token, token_type, scopes, obtained_at, expires_at, identity, \
                       version, refresh_intent_at, last_refresh_at, last_refresh_ok, last_refresh_message, problem";

pub(super) struct RawRow {
    profile: String,
    access_token: Vec<u8>,
    refresh_token: Option<Vec<u8>>,
    token_type: String,
    scopes: String,
    obtained_at: i64,
    expires_at: Option<i64>,
    identity: String,
    version: i64,
    refresh_intent_at: Option<i64>,
    last_refresh_at: Option<i64>,
    last_refresh_ok: Option<i64>,
    last_refresh_message: Option<String>,
    problem: Option<String>,
}

impl RawRow {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            profile: r.get(0)?,
            access_token: r.get(1)?,
            refresh_token: r.get(2)?,
            token_type: r.get(3)?,
            scopes: r.get(4)?,
            obtained_at: r.get(5)?,
            expires_at: r.get(6)?,
            identity: r.get(7)?,
            version: r.get(8)?,
            refresh_intent_at: r.get(9)?,
            last_refresh_at: r.get(10)?,
            last_refresh_ok: r.get(11)?,
            last_refresh_message: r.get(12)?,
            problem: r.get(13)?,
        })
    }
}

/// Why a version-checked write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The row changed (or vanished) since it was read: someone else wrote.
    #[error("the stored tokens changed meanwhile (now version {found:?})")]
    Conflict { found: Option<i64> },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CommitError {
    fn from(e: StoreError) -> Self {
        CommitError::Store(e)
    }
}

impl From<rusqlite::Error> for CommitError {
    fn from(e: rusqlite::Error) -> Self {
        CommitError::Store(StoreError::Sqlite(e))
    }
}

impl Store {
    /// Every stored row; rows that cannot be opened are reported, not dropped.
    pub fn load_all(&self) -> Result<(Vec<TokenRecord>, Vec<Unreadable>), StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM tokens ORDER BY profile"))?;
        let rows = stmt.query_map([], RawRow::from_row)?.collect::<Result<Vec<_>, _>>()?;
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for raw in rows {
            match self.open_row(raw) {
                Ok(record) => ok.push(record),
                Err(unreadable) => bad.push(unreadable),
            }
        }
        Ok((ok, bad))
    }

    /// One profile's row.
    pub fn load(&self, profile: &str) -> Result<Option<Result<TokenRecord, Unreadable>>, StoreError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM tokens WHERE profile = ?1"),
                params![profile],
                RawRow::from_row,
            )
            .optional()?;
        Ok(raw.map(|raw| self.open_row(raw)))
    }

    fn open_row(&self, raw: RawRow) -> Result<TokenRecord, Unreadable> {
        let unreadable = |reason: String| Unreadable {
            profile: raw.profile.clone(),
            reason,
        };
        let key = self.key().map_err(|e| unreadable(e.to_string()))?;
        let open = |column: &str, sealed: &[u8]| -> Result<SecretString, Unreadable> {
            let plain = key
                .open(&column_aad(&raw.profile, column), sealed)
                .map_err(|e| unreadable(format!("stored {column} cannot be decrypted: {e}")))?;
            let text = std::str::from_utf8(&plain).map_err(|_| unreadable(format!("stored {column} is not text")))?;
            Ok(SecretString::from(text))
        };
        let access_token = open("access_token", &raw.access_token)?;
        let refresh_token = match &raw.refresh_token {
            Some(sealed) => Some(open("refresh_token", sealed)?),
            None => None,
        };
        let identity: Identity = serde_json::from_str(&raw.identity).unwrap_or_default();
        let last_refresh = raw.last_refresh_at.map(|at| RefreshResult {
            at,
            ok: raw.last_refresh_ok.unwrap_or(0) != 0,
            message: raw.last_refresh_message.clone().unwrap_or_default(),
        });
        Ok(TokenRecord {
            profile: raw.profile.clone(),
            access_token,
            refresh_token,
            token_type: raw.token_type,
            scopes: raw.scopes.split_whitespace().map(str::to_string).collect(),
            obtained_at: raw.obtained_at,
            expires_at: raw.expires_at,
            identity,
            version: raw.version,
            refresh_intent_at: raw.refresh_intent_at,
            last_refresh,
            problem: raw.problem,
        })
    }

    fn seal_pair(&self, profile: &str, tokens: &NewTokens) -> Result<(Vec<u8>, Option<Vec<u8>>), StoreError> {
        let key = self.key()?;
        let access = key.seal(
            &column_aad(profile, "access_token"),
            tokens.access_token.expose_secret().as_bytes(),
        )?;
        let refresh = match &tokens.refresh_token {
            Some(rt) => Some(key.seal(&column_aad(profile, "refresh_token"), rt.expose_secret().as_bytes())?),
            None => None,
        };
        Ok((access, refresh))
    }

    /// Write the tokens of a completed login, replacing any previous row in
    /// one immediate transaction. Returns the new row version.
    pub fn save_login(&mut self, profile: &str, tokens: &NewTokens, now: i64) -> Result<i64, StoreError> {
        let (access, refresh) = self.seal_pair(profile, tokens)?;
        let identity = serde_json::to_string(&tokens.identity).unwrap_or_else(|_| "{}".into());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<i64> = tx
            .query_row("SELECT version FROM tokens WHERE profile = ?1", params![profile], |r| {
                r.get(0)
            })
            .optional()?;
        let version = previous.unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO tokens (profile, access_token, refresh_token, token_type, scopes, obtained_at, expires_at,
                                 identity, version, refresh_intent_at, updated_at, last_refresh_at, last_refresh_ok,
                                 last_refresh_message, problem)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, NULL, NULL, NULL, NULL)
             ON CONFLICT(profile) DO UPDATE SET
                access_token = excluded.access_token, refresh_token = excluded.refresh_token,
                token_type = excluded.token_type, scopes = excluded.scopes, obtained_at = excluded.obtained_at,
                expires_at = excluded.expires_at, identity = excluded.identity, version = excluded.version,
                refresh_intent_at = NULL, updated_at = excluded.updated_at, last_refresh_at = NULL,
                last_refresh_ok = NULL, last_refresh_message = NULL, problem = NULL",
            params![
                profile,
                access,
                refresh,
                tokens.token_type,
                tokens.scopes.join(" "),
                tokens.obtained_at,
                tokens.expires_at,
                identity,
                version,
                now
            ],
        )?;
        tx.commit()?;
        if previous.is_some() {
            // The replaced tokens must not linger in the WAL.
            self.checkpoint();
        }
        self.restrict_files()?;
        Ok(version)
    }

    /// Durably note that a refresh of row `version` is about to be sent.
    pub fn record_intent(&mut self, profile: &str, version: i64, now: i64) -> Result<(), CommitError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE tokens SET refresh_intent_at = ?3, updated_at = ?3 WHERE profile = ?1 AND version = ?2",
            params![profile, version, now],
        )?;
        if n == 0 {
            let found = tx
                .query_row("SELECT version FROM tokens WHERE profile = ?1", params![profile], |r| {
                    r.get(0)
                })
                .optional()?;
            return Err(CommitError::Conflict { found });
        }
        tx.commit()?;
        Ok(())
    }

    /// Replace row `expected_version` with a refreshed pair and clear the
    /// intent, in one transaction. A response without a refresh token keeps
    /// the stored one. Returns the new version.
    pub fn commit_refresh(
        &mut self,
        profile: &str,
        expected_version: i64,
        tokens: &NewTokens,
        now: i64,
    ) -> Result<i64, CommitError> {
        let (access, refresh) = self.seal_pair(profile, tokens)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<i64> = tx
            .query_row("SELECT version FROM tokens WHERE profile = ?1", params![profile], |r| {
                r.get(0)
            })
            .optional()?;
        if found != Some(expected_version) {
            return Err(CommitError::Conflict { found });
        }
        let version = expected_version + 1;
        tx.execute(
            "UPDATE tokens SET access_token = ?2, refresh_token = COALESCE(?3, refresh_token), token_type = ?4,
                    scopes = ?5, obtained_at = ?6, expires_at = ?7, version = ?8, refresh_intent_at = NULL,
                    updated_at = ?9, last_refresh_at = ?9, last_refresh_ok = 1, last_refresh_message = 'refreshed',
                    problem = NULL
             WHERE profile = ?1",
            params![
                profile,
                access,
                refresh,
                tokens.token_type,
                tokens.scopes.join(" "),
                tokens.obtained_at,
                tokens.expires_at,
                version,
                now
            ],
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Record a refresh that ended without new tokens, clearing the intent
    /// when the identity server's answer proves nothing was rotated.
    pub fn record_refresh_failure(
        &mut self,
        profile: &str,
        now: i64,
        message: &str,
        clear_intent: bool,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE tokens SET last_refresh_at = ?2, last_refresh_ok = 0, last_refresh_message = ?3, updated_at = ?2,
                    refresh_intent_at = CASE WHEN ?4 THEN NULL ELSE refresh_intent_at END
             WHERE profile = ?1",
            params![profile, now, message, clear_intent],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Mark (or clear) why a profile needs a new login; survives restarts.
    pub fn set_problem(&mut self, profile: &str, problem: Option<&str>, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE tokens SET problem = ?2, refresh_intent_at = NULL, updated_at = ?3 WHERE profile = ?1",
            params![profile, problem, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Delete a profile's tokens and make sure the old bytes do not linger in
    /// the database or its WAL. Works without a key (logout must always work).
    pub fn delete(&mut self, profile: &str) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM tokens WHERE profile = ?1", params![profile])?;
        tx.commit()?;
        self.checkpoint();
        Ok(n > 0)
    }

    /// Names of profiles with a stored row.
    pub fn profiles(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT profile FROM tokens ORDER BY profile")?;
        let names = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(names)
    }
}
