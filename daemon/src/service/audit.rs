//! Recording token events in the audit log, in order, off the async
//! threads, and reading them back. Entries carry names, ids and messages
//! only: callers never pass a secret.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Service, err};
use crate::store::{NewAudit, Retention};
use pdauth_common::{Actor, AuditEntry, ErrorCode, Event, WireError, sanitize};

/// Audit entries held in memory while the store refuses them.
const MAX_AUDIT_BACKLOG: usize = 1000;

/// Most entries one request may read.
pub const MAX_AUDIT_READ: u32 = 1000;

impl Service {
    /// Record an event (asynchronously, in order).
    pub(crate) fn audit(&self, profile: &str, event: &str, actor: Option<Actor>, detail: Option<&str>) {
        let entry = NewAudit {
            at: self.now(),
            profile: profile.to_string(),
            event: event.to_string(),
            actor,
            detail: detail.map(|d| sanitize::truncated(d, 400)),
        };
        if let Some(tx) = super::lock(&self.audit_tx).as_ref() {
            let _ = tx.send(entry);
        }
    }

    /// A detached way to record daemon events from a spawned task.
    pub(crate) fn audit_sink(&self) -> impl Fn(&str, &str, &str) + Send + 'static {
        let tx = super::lock(&self.audit_tx).clone();
        let clock = self.clock.clone();
        move |profile: &str, event: &str, detail: &str| {
            if let Some(tx) = &tx {
                let _ = tx.send(NewAudit {
                    at: clock.now(),
                    profile: profile.to_string(),
                    event: event.to_string(),
                    actor: None,
                    detail: Some(sanitize::truncated(detail, 400)),
                });
            }
        }
    }

    /// Start the writer that drains audit entries into the store.
    pub(crate) fn start_audit_writer(self: &Arc<Self>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<NewAudit>();
        *super::lock(&self.audit_tx) = Some(tx);
        let this = Arc::downgrade(self);
        let shutdown = self.shutdown.clone();
        self.tasks.spawn(async move {
            loop {
                let entry = tokio::select! {
                    entry = rx.recv() => entry,
                    _ = shutdown.cancelled() => {
                        rx.close();
                        rx.recv().await
                    }
                };
                let Some(entry) = entry else { break };
                let Some(service) = this.upgrade() else { break };
                service.write_audit(entry).await;
            }
        });
    }

    /// Write one entry; entries the store refused (disk full) are kept in
    /// memory, bounded, and written first when the store takes them again.
    async fn write_audit(&self, entry: NewAudit) {
        let settings = self.config().daemon.clone();
        let retention = Retention {
            max_entries: settings.audit_max_entries,
            max_age_secs: settings.audit_max_age.as_secs() as i64,
        };
        let mut queue: std::collections::VecDeque<NewAudit> = std::mem::take(&mut *super::lock(&self.audit_backlog));
        queue.push_back(entry);
        while let Some(next) = queue.pop_front() {
            let attempt = next.clone();
            match self.with_storage(move |s| s.append_audit(&attempt, retention)).await {
                Ok(Ok(stored)) => self.emit(Event::Audit { entry: stored }),
                failed => {
                    let why = match failed {
                        Ok(Err(e)) => e.to_string(),
                        Err(e) => e.message,
                        Ok(Ok(_)) => String::new(),
                    };
                    queue.push_front(next);
                    while queue.len() > MAX_AUDIT_BACKLOG {
                        queue.pop_front();
                    }
                    tracing::warn!(error = %why, held = queue.len(), "audit entries held in memory until the store takes them");
                    break;
                }
            }
        }
        *super::lock(&self.audit_backlog) = queue;
    }

    /// The newest audit entries, newest first.
    pub async fn audit_entries(
        &self,
        profile: Option<String>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEntry>, WireError> {
        if let Some(name) = &profile {
            // Unknown names are fine (a profile may have been removed from
            // the config); absurd ones are not.
            if !crate::config::valid_profile_name(name) {
                return Err(err(ErrorCode::InvalidRequest, "invalid profile name"));
            }
        }
        let limit = limit.unwrap_or(100).clamp(1, MAX_AUDIT_READ);
        let asked = profile.clone();
        let entries = self
            .with_storage(move |s| s.list_audit(profile.as_deref(), limit))
            .await?
            .map_err(|e| err(ErrorCode::Storage, format!("cannot read the audit log: {e}")))?;
        // A name neither configured nor ever recorded is a typo, not an
        // empty history.
        if let Some(name) = asked {
            if entries.is_empty() && !self.config().profiles.contains_key(&name) {
                return Err(err(
                    ErrorCode::NotFound,
                    format!("no profile named {name:?} in the daemon's configuration or its audit log"),
                ));
            }
        }
        Ok(entries)
    }
}
