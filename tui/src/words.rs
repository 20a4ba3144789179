//! Words for people shared by the terminal UI and the command line: audit
//! events, who caused them, and refresh outcomes. Pure text; no styling.

use pdauth_common::{Actor, ProfileStatus, TokenState};

use crate::clock;

/// An audit event name in words (`refresh_failed` → `refresh failed`).
pub fn event(event: &str) -> String {
    let known = match event {
        "login_started" => "login started",
        "login_completed" => "logged in",
        "login_failed" => "login failed",
        "login_cancelled" => "login cancelled",
        "refresh_ok" => "refreshed",
        "refresh_failed" => "refresh failed",
        "refresh_interrupted" => "refresh interrupted",
        "needs_login" => "needs a new login",
        "token_issued" => "token handed out",
        "revoked" => "revoked",
        "unpersisted" => "not saved to disk",
        "persisted" => "saved to disk",
        other => return pdauth_common::sanitize::for_terminal(other).replace('_', " "),
    };
    known.to_string()
}

/// Whether an audit event reports something that went wrong.
pub fn is_problem(event: &str) -> bool {
    matches!(
        event,
        "login_failed" | "refresh_failed" | "refresh_interrupted" | "needs_login" | "unpersisted"
    )
}

/// Who caused an audit event: `uid 1000 pid 4242`, or `pdauthd` for the
/// daemon's own actions.
pub fn actor(actor: Option<&Actor>) -> String {
    match actor {
        None => "pdauthd".to_string(),
        Some(Actor { uid, pid: Some(pid) }) => format!("uid {uid} pid {pid}"),
        Some(Actor { uid, pid: None }) => format!("uid {uid}"),
    }
}

/// When the next refresh happens, for a table cell: `in 47m`, `retry in 25s`,
/// `no refresh token`, or `-`.
pub fn next_refresh(p: &ProfileStatus, now: i64) -> String {
    if let Some(retry) = &p.retry {
        return format!("retry {}", clock::countdown(retry.next_attempt_at, now));
    }
    match p.state {
        TokenState::Refreshing => "now".to_string(),
        TokenState::LoggedOut | TokenState::LoginPending | TokenState::NeedsLogin | TokenState::Error => {
            "-".to_string()
        }
        _ if !p.has_refresh_token => "no refresh token".to_string(),
        _ => match p.next_refresh_at {
            Some(at) => clock::countdown(at, now),
            None => "-".to_string(),
        },
    }
}

/// The last refresh, in a sentence fragment: `ok 5m ago`, `failed 20s ago:
/// timeout`.
pub fn last_refresh(p: &ProfileStatus, now: i64) -> Option<String> {
    let last = p.last_refresh.as_ref()?;
    let when = clock::ago(last.at, now);
    let message = pdauth_common::sanitize::for_terminal(&last.message);
    Some(if last.ok {
        format!("ok {when}")
    } else {
        format!("failed {when}: {message}")
    })
}

/// Whether a profile holds a token that a login or revocation would affect.
pub fn has_stored_token(p: &ProfileStatus) -> bool {
    match p.state {
        TokenState::LoggedOut => false,
        TokenState::LoginPending | TokenState::Error => {
            p.obtained_at.is_some() || p.expires_at.is_some() || p.has_refresh_token
        }
        _ => true,
    }
}

/// Whether PagerDuty granted none of the scopes the profile asked for.
pub fn granted_no_requested_scope(p: &ProfileStatus) -> bool {
    !p.scopes_requested.is_empty() && !p.scopes_requested.iter().any(|s| p.scopes_granted.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::{RefreshResult, RetryInfo};

    #[test]
    fn events_in_words() {
        assert_eq!(event("refresh_failed"), "refresh failed");
        assert_eq!(event("token_issued"), "token handed out");
        assert_eq!(event("brand_new\x1b[2J"), "brand new[2J");
        assert!(is_problem("needs_login"));
        assert!(!is_problem("refresh_ok"));
    }

    #[test]
    fn actors() {
        assert_eq!(actor(None), "pdauthd");
        assert_eq!(
            actor(Some(&Actor {
                uid: 1000,
                pid: Some(7)
            })),
            "uid 1000 pid 7"
        );
        assert_eq!(actor(Some(&Actor { uid: 0, pid: None })), "uid 0");
    }

    #[test]
    fn refresh_words() {
        let mut p = ProfileStatus::logged_out("w");
        assert_eq!(next_refresh(&p, 100), "-");
        p.state = TokenState::Valid;
        p.next_refresh_at = Some(160);
        assert_eq!(next_refresh(&p, 100), "no refresh token");
        p.has_refresh_token = true;
        assert_eq!(next_refresh(&p, 100), "in 1m 0s");
        p.retry = Some(RetryInfo {
            attempts: 2,
            last_error: "timeout".into(),
            next_attempt_at: 125,
        });
        assert_eq!(next_refresh(&p, 100), "retry in 25s");
        assert_eq!(last_refresh(&p, 100), None);
        p.last_refresh = Some(RefreshResult {
            at: 80,
            ok: false,
            message: "timeout".into(),
        });
        assert_eq!(last_refresh(&p, 100).unwrap(), "failed 20s ago: timeout");
    }

    #[test]
    fn stored_tokens_and_scopes() {
        let mut p = ProfileStatus::logged_out("w");
        assert!(!has_stored_token(&p));
        p.state = TokenState::LoginPending;
        assert!(!has_stored_token(&p));
        p.obtained_at = Some(1);
        assert!(has_stored_token(&p), "a re-login keeps the old token until it succeeds");
        p.state = TokenState::NeedsLogin;
        assert!(has_stored_token(&p));
        p.scopes_requested = vec!["read".into(), "write".into()];
        assert!(granted_no_requested_scope(&p));
        p.scopes_granted = vec!["openid".into()];
        assert!(granted_no_requested_scope(&p), "openid alone is not what was asked");
        p.scopes_granted.push("read".into());
        assert!(!granted_no_requested_scope(&p));
    }
}
