//! `pdauth audit [PROFILE] [--json] [--limit N]`: the daemon's audit log,
//! newest first, as a table for people (local times) or as a JSON array of
//! entries for scripts.

use std::io::Write;
use std::path::Path;

use pdauth_common::{AuditEntry, Request, Response, sanitize};

use super::{REQUEST_TIMEOUT, connect, within};
use crate::client::unexpected;
use crate::exit::CliError;
use crate::{clock, words};

/// Widest a detail gets in the table.
const MAX_DETAIL: usize = 200;

pub(super) async fn run(socket: &Path, profile: Option<String>, json: bool, limit: u32) -> Result<(), CliError> {
    let conn = connect(socket).await?;
    let request = Request::Audit {
        profile: profile.clone(),
        limit: Some(limit),
    };
    let entries = match within(REQUEST_TIMEOUT, "the audit request", conn.request(request)).await? {
        Response::Audit { entries } => entries,
        other => return Err(unexpected(&other).into()),
    };
    let text = if json {
        let mut text = serde_json::to_string_pretty(&entries)
            .map_err(|e| CliError::failure(format!("cannot encode the audit log: {e}")))?;
        text.push('\n');
        text
    } else {
        table(&entries, profile.as_deref(), clock::local_offset())
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))
}

/// The human table, in the order given (the daemon sends newest first).
pub fn table(entries: &[AuditEntry], profile: Option<&str>, offset: i32) -> String {
    if entries.is_empty() {
        return match profile {
            Some(p) => format!("No audit entries for {}.\n", sanitize::truncated(p, 64)),
            None => "No audit entries.\n".to_string(),
        };
    }
    let header = ["TIME", "PROFILE", "EVENT", "BY", "DETAIL"].map(String::from);
    let mut rows = vec![header];
    for e in entries {
        rows.push([
            clock::date_time(e.at, offset),
            sanitize::truncated(&e.profile, 32),
            words::event(&e.event),
            words::actor(e.actor.as_ref()),
            e.detail
                .as_deref()
                .map_or_else(|| "-".to_string(), |d| sanitize::truncated(d, MAX_DETAIL)),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::Actor;

    #[test]
    fn table_is_aligned_and_sanitised() {
        let entries = vec![
            AuditEntry {
                id: 2,
                at: 1_700_000_000,
                profile: "work".into(),
                event: "refresh_failed".into(),
                actor: None,
                detail: Some("timeout\x1b[2J".into()),
            },
            AuditEntry {
                id: 1,
                at: 1_699_999_000,
                profile: "work".into(),
                event: "token_issued".into(),
                actor: Some(Actor {
                    uid: 1000,
                    pid: Some(42),
                }),
                detail: None,
            },
        ];
        let text = table(&entries, None, 0);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "TIME                 PROFILE  EVENT             BY               DETAIL"
        );
        assert_eq!(
            lines[1],
            "2023-11-14 22:13:20  work     refresh failed    pdauthd          timeout"
        );
        assert_eq!(
            lines[2],
            "2023-11-14 21:56:40  work     token handed out  uid 1000 pid 42  -"
        );
        assert!(!text.contains('\x1b'));
        assert_eq!(table(&[], Some("work"), 0), "No audit entries for work.\n");
    }
}
