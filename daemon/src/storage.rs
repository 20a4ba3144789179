//! The boundary between the daemon's logic and its token store. The service
//! calls storage only through this trait (on blocking threads), so tests can
//! put a failing disk under a real daemon. SQL stays in `store`.

use std::sync::Mutex;

use crate::store::{CommitError, KeyState, NewAudit, NewTokens, Retention, Store, StoreError, TokenRecord, Unreadable};
use pdauth_common::AuditEntry;

pub trait Storage: Send + Sync + 'static {
    fn key_state(&self) -> KeyState;
    fn load_all(&self) -> Result<(Vec<TokenRecord>, Vec<Unreadable>), StoreError>;
    fn load(&self, profile: &str) -> Result<Option<Result<TokenRecord, Unreadable>>, StoreError>;
    fn save_login(&self, profile: &str, tokens: &NewTokens, now: i64) -> Result<i64, StoreError>;
    fn record_intent(&self, profile: &str, version: i64, now: i64) -> Result<(), CommitError>;
    fn commit_refresh(
        &self,
        profile: &str,
        expected_version: i64,
        tokens: &NewTokens,
        now: i64,
    ) -> Result<i64, CommitError>;
    fn record_refresh_failure(
        &self,
        profile: &str,
        now: i64,
        message: &str,
        clear_intent: bool,
    ) -> Result<(), StoreError>;
    fn set_problem(&self, profile: &str, problem: Option<&str>, now: i64) -> Result<(), StoreError>;
    fn delete(&self, profile: &str) -> Result<bool, StoreError>;
    fn append_audit(&self, entry: &NewAudit, retention: Retention) -> Result<AuditEntry, StoreError>;
    fn list_audit(&self, profile: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}

/// The real store behind a mutex: SQLite has one owner.
pub struct SqliteStorage(Mutex<Store>);

impl SqliteStorage {
    pub fn new(store: Store) -> Self {
        Self(Mutex::new(store))
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Storage for SqliteStorage {
    fn key_state(&self) -> KeyState {
        self.store().key_state().clone()
    }
    fn load_all(&self) -> Result<(Vec<TokenRecord>, Vec<Unreadable>), StoreError> {
        self.store().load_all()
    }
    fn load(&self, profile: &str) -> Result<Option<Result<TokenRecord, Unreadable>>, StoreError> {
        self.store().load(profile)
    }
    fn save_login(&self, profile: &str, tokens: &NewTokens, now: i64) -> Result<i64, StoreError> {
        self.store().save_login(profile, tokens, now)
    }
    fn record_intent(&self, profile: &str, version: i64, now: i64) -> Result<(), CommitError> {
        self.store().record_intent(profile, version, now)
    }
    fn commit_refresh(
        &self,
        profile: &str,
        expected_version: i64,
        tokens: &NewTokens,
        now: i64,
    ) -> Result<i64, CommitError> {
        self.store().commit_refresh(profile, expected_version, tokens, now)
    }
    fn record_refresh_failure(
        &self,
        profile: &str,
        now: i64,
        message: &str,
        clear_intent: bool,
    ) -> Result<(), StoreError> {
        self.store().record_refresh_failure(profile, now, message, clear_intent)
    }
    fn set_problem(&self, profile: &str, problem: Option<&str>, now: i64) -> Result<(), StoreError> {
        self.store().set_problem(profile, problem, now)
    }
    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        self.store().delete(profile)
    }
    fn append_audit(&self, entry: &NewAudit, retention: Retention) -> Result<AuditEntry, StoreError> {
        self.store().append_audit(entry, retention)
    }
    fn list_audit(&self, profile: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.store().list_audit(profile, limit)
    }
}
