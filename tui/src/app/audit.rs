//! Audit entries as the UI keeps them: the Audit screen's log and a detail
//! pane's timeline, merged from replies and live events by id, newest first,
//! bounded.

use pdauth_common::{AuditEntry, Response, sanitize};

use super::{App, Tone};
use crate::msg::Failure;

/// Entries fetched for, and kept by, the Audit screen.
pub const AUDIT_LIMIT: u32 = 200;
/// Entries fetched for, and kept by, a detail pane's timeline.
pub const TIMELINE_LIMIT: u32 = 50;

/// Where a fetch of audit entries is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Loading {
    /// Never asked for.
    #[default]
    Idle,
    Loading,
    Loaded,
    /// The daemon's message, sanitised.
    Failed(String),
}

/// A list of audit entries, newest first, with a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    pub loading: Loading,
    pub selected: usize,
}

impl AuditLog {
    /// Add entries (a reply or a live event), dropping duplicates by id,
    /// newest first (by time, then id), at most `limit`. The cursor stays on the same entry.
    pub fn merge(&mut self, entries: Vec<AuditEntry>, limit: u32) {
        let selected_id = self.entries.get(self.selected).map(|e| e.id);
        for entry in entries {
            if !self.entries.iter().any(|e| e.id == entry.id) {
                self.entries.push(entry);
            }
        }
        self.entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        self.entries.truncate(limit as usize);
        self.selected = selected_id
            .and_then(|id| self.entries.iter().position(|e| e.id == id))
            .unwrap_or(0)
            .min(self.entries.len().saturating_sub(1));
    }
}

impl App {
    /// The answer to an `Audit` request: for the detail pane when it names a
    /// profile, for the Audit screen otherwise.
    pub(super) fn on_audit(&mut self, profile: Option<String>, result: Result<Response, Failure>) {
        let (log, limit) = match &profile {
            Some(name) => match self.detail.as_mut().filter(|d| d.profile == *name) {
                Some(detail) => (&mut detail.timeline, super::TIMELINE_LIMIT),
                // The pane was closed or moved on: nothing to show it in.
                None => return,
            },
            None => (&mut self.audit, AUDIT_LIMIT),
        };
        match result {
            Ok(Response::Audit { entries }) => {
                log.merge(entries, limit);
                log.loading = super::Loading::Loaded;
            }
            Ok(_) => {}
            Err(failure) => {
                let message = sanitize::for_terminal(&failure.message);
                log.loading = super::Loading::Failed(message.clone());
                self.notify(Tone::Error, format!("Could not read the audit log: {message}"));
            }
        }
    }
}
