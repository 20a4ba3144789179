//! The audit log: who did what to which profile, when. Bounded by count and
//! age; never holds a secret (callers pass only names, ids and messages).

use rusqlite::{TransactionBehavior, params};

use super::{Store, StoreError};
use pdauth_common::{Actor, AuditEntry};

/// Appends between two trims of the log.
const PRUNE_EVERY: i64 = 64;

/// An entry before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub at: i64,
    pub profile: String,
    pub event: String,
    pub actor: Option<Actor>,
    pub detail: Option<String>,
}

/// How much audit history to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Entries kept per profile.
    pub max_entries: u64,
    pub max_age_secs: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_age_secs: 90 * 86_400,
        }
    }
}

impl Store {
    /// Append one entry, then trim the log to `retention`.
    pub fn append_audit(&mut self, entry: &NewAudit, retention: Retention) -> Result<AuditEntry, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO audit (at, profile, event, actor_uid, actor_pid, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                entry.at,
                entry.profile,
                entry.event,
                entry.actor.map(|a| a.uid),
                entry.actor.and_then(|a| a.pid),
                entry.detail
            ],
        )?;
        let id = tx.last_insert_rowid();
        // Trim now and then, not on every append: both deletes use an index,
        // and the log may overshoot its bound by at most the interval.
        if id % PRUNE_EVERY == 0 {
            // Each profile keeps its own newest entries, so a chatty profile
            // cannot push a quiet one's history out.
            tx.execute(
                "DELETE FROM audit WHERE profile = ?1 AND id <=
                     (SELECT id FROM audit WHERE profile = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                params![entry.profile, retention.max_entries as i64],
            )?;
            tx.execute(
                "DELETE FROM audit WHERE at < ?1",
                params![entry.at - retention.max_age_secs],
            )?;
        }
        tx.commit()?;
        Ok(AuditEntry {
            id,
            at: entry.at,
            profile: entry.profile.clone(),
            event: entry.event.clone(),
            actor: entry.actor,
            detail: entry.detail.clone(),
        })
    }

    /// Newest entries first, for one profile or all.
    pub fn list_audit(&self, profile: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, profile, event, actor_uid, actor_pid, detail FROM audit
             WHERE (?1 IS NULL OR profile = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![profile, limit], |r| {
                let uid: Option<u32> = r.get(4)?;
                let pid: Option<i32> = r.get(5)?;
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    profile: r.get(2)?,
                    event: r.get(3)?,
                    actor: uid.map(|uid| Actor { uid, pid }),
                    detail: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
