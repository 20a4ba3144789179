//! `pdauth status [--json]`: every profile's health as a table for people (with
//! the next refresh, and notes on reasons, failing refreshes and missing
//! scopes) or as JSON for scripts (`daemon_version`, `storage`, `profiles`).

use std::io::Write;
use std::path::Path;

use pdauth_common::{ProfileStatus, Request, Response, StorageInfo, TokenState, sanitize};

use super::{REQUEST_TIMEOUT, connect, within};
use crate::client::unexpected;
use crate::exit::CliError;
use crate::views::storage_words;
use crate::{clock, words};

/// The `--json` document; field order is the documented one.
#[derive(serde::Serialize)]
struct StatusDoc<'a> {
    daemon_version: &'a str,
    storage: &'a StorageInfo,
    profiles: &'a [ProfileStatus],
}

/// Widest a table cell gets before it is cut.
const MAX_CELL: usize = 32;

pub(super) async fn run(socket: &Path, json: bool) -> Result<(), CliError> {
    let conn = connect(socket).await?;
    let (profiles, storage) = match within(REQUEST_TIMEOUT, "the status request", conn.request(Request::Status)).await?
    {
        Response::Status { profiles, storage } => (profiles, storage),
        other => return Err(unexpected(&other).into()),
    };
    let text = if json {
        let doc = StatusDoc {
            daemon_version: conn.daemon_version(),
            storage: &storage,
            profiles: &profiles,
        };
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::failure(format!("cannot encode the status: {e}")))?;
        text.push('\n');
        text
    } else {
        table(conn.daemon_version(), &storage, &profiles, clock::unix_now())
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))
}

/// The human table, one row per profile, then notes about problems.
pub fn table(daemon_version: &str, storage: &StorageInfo, profiles: &[ProfileStatus], now: i64) -> String {
    let mut out = format!(
        "pdauthd {} · {}\n",
        sanitize::truncated(daemon_version.trim_start_matches("pdauthd "), MAX_CELL),
        sanitize::truncated(&storage_words(storage), 80)
    );
    if profiles.is_empty() {
        out.push_str("No profiles: add a [profiles.NAME] section to pdauthd's config file.\n");
        return out;
    }
    let header = ["PROFILE", "STATE", "ACCOUNT", "USER", "EXPIRES", "REFRESH", "SCOPES"].map(String::from);
    let mut rows = vec![header];
    let mut notes = Vec::new();
    for p in profiles {
        let name = sanitize::truncated(&p.name, MAX_CELL);
        let account = p
            .account
            .as_ref()
            .and_then(|a| a.subdomain.clone().or_else(|| a.account_id.clone()))
            .unwrap_or_else(|| "-".to_string());
        let user = p
            .user
            .as_ref()
            .and_then(|u| u.email.clone().or_else(|| u.name.clone()))
            .unwrap_or_else(|| "-".to_string());
        let expires = match p.state {
            // A token pdauthd will not use any more has no life left to count.
            TokenState::LoggedOut | TokenState::NeedsLogin => "-".to_string(),
            _ => clock::expires_in(p.expires_at, now),
        };
        let mut scopes: Vec<String> = p.scopes_granted.clone();
        scopes.extend(p.scopes_missing.iter().map(|s| format!("!{s}")));
        let scopes = if scopes.is_empty() {
            "-".to_string()
        } else {
            scopes.join(" ")
        };
        // A usable token without the scopes asked for is not plainly healthy.
        let state = if p.state.has_usable_token() && !p.scopes_missing.is_empty() {
            format!("{} !", words::state_words(p, now, false))
        } else {
            words::state_words(p, now, false)
        };
        rows.push([
            name.clone(),
            state,
            sanitize::truncated(&account, MAX_CELL),
            sanitize::truncated(&user, MAX_CELL),
            expires,
            words::next_refresh(p, now, false),
            sanitize::truncated(&scopes, MAX_CELL * 2),
        ]);
        if let Some(reason) = &p.reason {
            notes.push(format!("{name}: {}", sanitize::truncated(reason, 200)));
        }
        match (&p.retry, &p.last_refresh) {
            // The refresh worked; saving its tokens is what is retried.
            (Some(retry), _) if p.state == TokenState::Unpersisted => notes.push(format!(
                "{name}: refreshed, but saving the new tokens failed {} time(s): {}; they are held in memory; {}",
                retry.attempts,
                sanitize::truncated(&retry.last_error, 200),
                words::next_attempt(retry, now)
            )),
            (Some(retry), _) => notes.push(format!(
                "{name}: refresh attempt {} failed: {}; {}",
                retry.attempts,
                sanitize::truncated(&retry.last_error, 200),
                words::next_attempt(retry, now)
            )),
            (None, Some(last)) if !last.ok => notes.push(format!(
                "{name}: last refresh failed {}: {}",
                clock::ago(last.at, now),
                sanitize::truncated(&last.message, 200)
            )),
            _ => {}
        }
        if words::granted_no_requested_scope(p) && p.state.has_usable_token() {
            notes.push(format!(
                "{name}: PagerDuty granted none of the requested scopes (missing {}): calls needing them will fail",
                sanitize::truncated(&p.scopes_missing.join(" "), 100)
            ));
        } else if !p.scopes_missing.is_empty() {
            notes.push(format!(
                "{name}: PagerDuty did not grant {} (calls needing it will fail)",
                sanitize::truncated(&p.scopes_missing.join(" "), 100)
            ));
        }
        if p.state.has_usable_token() && !p.has_refresh_token {
            notes.push(format!(
                "{name}: no refresh token: log in again when the access token expires"
            ));
        }
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::{Account, RetryInfo, UserSummary};

    #[test]
    fn table_lines_up_and_flags_problems() {
        let mut valid = ProfileStatus::logged_out("work");
        valid.state = TokenState::Valid;
        valid.expires_at = Some(1_000 + 3_552);
        valid.has_refresh_token = true;
        valid.next_refresh_at = Some(1_000 + 2_820);
        valid.scopes_requested = vec!["read".into(), "write".into()];
        valid.scopes_granted = vec!["read".into()];
        valid.scopes_missing = vec!["write".into()];
        valid.account = Some(Account {
            subdomain: Some("acme".into()),
            ..Account::default()
        });
        valid.user = Some(UserSummary {
            email: Some("ada@example.com".into()),
            ..UserSummary::default()
        });
        let mut broken = ProfileStatus::logged_out("evil\x1b[2J");
        broken.state = TokenState::NeedsLogin;
        broken.reason = Some("refresh token rejected".into());
        // Revoked, so never used again: no countdown for it.
        broken.expires_at = Some(1_000 + 3_000);
        let mut failing = ProfileStatus::logged_out("ops");
        failing.state = TokenState::RefreshFailing;
        failing.expires_at = Some(1_000 + 95);
        failing.has_refresh_token = true;
        failing.scopes_requested = vec!["read".into()];
        failing.scopes_missing = vec!["read".into()];
        failing.retry = Some(RetryInfo {
            attempts: 3,
            last_error: "identity server timed out".into(),
            next_attempt_at: 1_000 + 25,
        });
        let text = table(
            "0.1.0",
            &StorageInfo::KeyFile { path: "/k".into() },
            &[valid, broken, failing],
            1_000,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "pdauthd 0.1.0 · key: /k");
        assert_eq!(
            lines[1],
            "PROFILE  STATE              ACCOUNT  USER             EXPIRES  REFRESH       SCOPES"
        );
        assert_eq!(
            lines[2],
            "work     valid !            acme     ada@example.com  59m 12s  in 47m 0s     read !write"
        );
        assert_eq!(
            lines[3],
            "evil     needs login        -        -                -        -             -"
        );
        assert_eq!(
            lines[4],
            "ops      refresh failing !  -        -                1m 35s   retry in 25s  !read"
        );
        assert!(text.contains("evil: refresh token rejected"));
        assert!(text.contains("work: PagerDuty did not grant write"));
        assert!(text.contains("ops: refresh attempt 3 failed: identity server timed out; next attempt in 25s"));
        assert!(text.contains("ops: PagerDuty granted none of the requested scopes (missing read)"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn unsaved_tokens_read_as_a_save_being_retried_not_a_failed_refresh() {
        let mut unsaved = ProfileStatus::logged_out("work");
        unsaved.state = TokenState::Unpersisted;
        unsaved.expires_at = Some(1_000 + 3_000);
        unsaved.has_refresh_token = true;
        unsaved.retry = Some(RetryInfo {
            attempts: 2,
            last_error: "disk full".into(),
            next_attempt_at: 1_000 + 20,
        });
        let storage = StorageInfo::KeyFile { path: "/k".into() };
        let text = table("0.1.0", &storage, &[unsaved], 1_000);
        assert!(
            text.contains(
                "work: refreshed, but saving the new tokens failed 2 time(s): disk full; they are held in memory; \
                 next attempt in 20s"
            ),
            "{text}"
        );
        assert!(!text.contains("refresh attempt"), "{text}");
    }

    #[test]
    fn a_retry_just_due_is_retrying_and_a_pending_login_shows_the_token() {
        let mut failing = ProfileStatus::logged_out("ops");
        failing.state = TokenState::RefreshFailing;
        failing.expires_at = Some(1_000 + 95);
        failing.has_refresh_token = true;
        failing.retry = Some(RetryInfo {
            attempts: 1,
            last_error: "timeout".into(),
            next_attempt_at: 1_000,
        });
        let mut relogin = ProfileStatus::logged_out("relogin");
        relogin.state = TokenState::LoginPending;
        relogin.obtained_at = Some(0);
        relogin.expires_at = Some(900);
        relogin.has_refresh_token = true;
        let storage = StorageInfo::KeyFile { path: "/k".into() };
        let text = table("0.1.0", &storage, &[failing.clone(), relogin], 1_000);
        assert!(!text.contains("overdue"), "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("ops ") && l.contains("retrying…")),
            "{text}"
        );
        assert!(
            text.contains("ops: refresh attempt 1 failed: timeout; retrying now"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("relogin ") && l.contains("login pending · expired")),
            "{text}"
        );
        let late = table("0.1.0", &storage, &[failing], 1_000 + 125);
        assert!(late.contains("retry overdue by 2m 5s"), "{late}");
        assert!(late.contains("next attempt overdue by 2m 5s"), "{late}");
    }

    #[test]
    fn a_token_without_refresh_token_is_noted() {
        let mut p = ProfileStatus::logged_out("work");
        p.state = TokenState::Valid;
        p.expires_at = Some(2_000);
        let text = table("0.1.0", &StorageInfo::KeyFile { path: "/k".into() }, &[p], 1_000);
        assert!(text.contains("no refresh token"), "{text}");
        assert!(text.contains("work: no refresh token: log in again"), "{text}");
    }
}
