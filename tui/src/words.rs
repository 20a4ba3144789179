//! Words for people shared by the terminal UI and the command line: audit
//! events, who caused them, and refresh outcomes. Pure text; no styling.

use pdauth_common::{Actor, ProfileStatus, RetryInfo, TokenState};

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

/// Seconds a planned refresh or retry may be past its time and still count
/// as happening now: the daemon acts on it about then, and a busy daemon
/// queues it for a free slot first.
pub const DUE_GRACE: i64 = 30;
/// Past its time by more than this, a refresh or retry is late: a problem.
pub const LATE: i64 = 60;

/// Where a time the daemon plans to act at stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Still ahead.
    Ahead,
    /// Just passed (within [`DUE_GRACE`]): the daemon is about to act.
    Now,
    /// Passed by more than the grace, up to [`LATE`].
    Overdue,
    /// Passed by more than [`LATE`].
    Late,
}

/// How `at` stands at `now`.
pub fn due(at: i64, now: i64) -> Due {
    match now - at {
        behind if behind < 0 => Due::Ahead,
        behind if behind <= DUE_GRACE => Due::Now,
        behind if behind <= LATE => Due::Overdue,
        _ => Due::Late,
    }
}

/// How the profile's next refresh or retry stands, when one is planned and
/// none is under way.
pub fn refresh_due(p: &ProfileStatus, now: i64) -> Option<Due> {
    if p.state == TokenState::Refreshing {
        return None;
    }
    if let Some(retry) = &p.retry {
        return Some(due(retry.next_attempt_at, now));
    }
    match condition(p, now) {
        TokenState::LoggedOut | TokenState::LoginPending | TokenState::NeedsLogin | TokenState::Error => None,
        _ if !p.has_refresh_token => None,
        _ => p.next_refresh_at.map(|at| due(at, now)),
    }
}

/// When the next refresh happens, for a table cell: `in 47m 0s`, `retry in
/// 25s`, `retrying…`, `due now`, `overdue by 4m 0s`, `no refresh token`, or
/// `-`. `short` gives the narrow form: `in 47m`, `retry 25s`, `overdue 4m`,
/// `never`.
pub fn next_refresh(p: &ProfileStatus, now: i64, short: bool) -> String {
    if p.state == TokenState::Refreshing {
        return if p.retry.is_some() { "retrying…" } else { "now" }.to_string();
    }
    // Unpersisted: the retry is the save's; the next refresh is as planned.
    if let Some(retry) = p.retry.as_ref().filter(|_| p.state != TokenState::Unpersisted) {
        let at = retry.next_attempt_at;
        return match (due(at, now), short) {
            (Due::Ahead, false) => format!("retry in {}", clock::compact(at - now)),
            (Due::Ahead, true) => format!("retry {}", clock::coarse(at - now)),
            (Due::Now, _) => "retrying…".to_string(),
            (Due::Overdue | Due::Late, false) => format!("retry overdue by {}", clock::compact(now - at)),
            (Due::Overdue | Due::Late, true) => format!("overdue {}", clock::coarse(now - at)),
        };
    }
    match condition(p, now) {
        TokenState::LoggedOut | TokenState::LoginPending | TokenState::NeedsLogin | TokenState::Error => {
            "-".to_string()
        }
        _ if !p.has_refresh_token => if short { "never" } else { "no refresh token" }.to_string(),
        _ => match p.next_refresh_at {
            Some(at) => match (due(at, now), short) {
                (Due::Ahead, false) => format!("in {}", clock::compact(at - now)),
                (Due::Ahead, true) => format!("in {}", clock::coarse(at - now)),
                (Due::Now, _) => "due now".to_string(),
                (Due::Overdue | Due::Late, false) => format!("overdue by {}", clock::compact(now - at)),
                (Due::Overdue | Due::Late, true) => format!("overdue {}", clock::coarse(now - at)),
            },
            None => "-".to_string(),
        },
    }
}

/// The next retry of a failing refresh, in a sentence fragment: `next
/// attempt in 25s`, `retrying now`, `next attempt overdue by 2m 5s`.
pub fn next_attempt(retry: &RetryInfo, now: i64) -> String {
    let at = retry.next_attempt_at;
    match due(at, now) {
        Due::Ahead => format!("next attempt in {}", clock::compact(at - now)),
        Due::Now => "retrying now".to_string(),
        Due::Overdue | Due::Late => format!("next attempt overdue by {}", clock::compact(now - at)),
    }
}

/// The condition of the token a pending login would replace, read from the
/// status's other fields (the daemon's `state` says only `login_pending`):
/// `expired`, `refresh failing` (retries scheduled), `needs login` (the last
/// refresh failed and is not retried), or `valid`. `None` when no login is
/// pending or there is no token underneath.
pub fn under_login(p: &ProfileStatus, now: i64) -> Option<TokenState> {
    if p.state != TokenState::LoginPending || !has_stored_token(p) {
        return None;
    }
    let refresh_failed = p.last_refresh.as_ref().is_some_and(|last| !last.ok);
    Some(match p.expires_at {
        Some(at) if at <= now => TokenState::Expired,
        _ if p.retry.is_some() => TokenState::RefreshFailing,
        _ if refresh_failed => TokenState::NeedsLogin,
        _ => TokenState::Valid,
    })
}

/// The state that says how the profile's token is doing: the daemon's, or
/// under a pending login the token's own.
pub fn condition(p: &ProfileStatus, now: i64) -> TokenState {
    under_login(p, now).unwrap_or(p.state)
}

/// The state in words: the daemon's label, and under a pending login the
/// token's condition too (`login pending · expired`; `short`: `login ·
/// expired`).
pub fn state_words(p: &ProfileStatus, now: i64, short: bool) -> String {
    match under_login(p, now) {
        Some(under) if short => format!("login · {}", short_label(under)),
        Some(under) => format!("{} · {}", p.state.label(), under.label()),
        None => p.state.label().to_string(),
    }
}

/// A state's label for a narrow cell.
pub fn short_label(state: TokenState) -> &'static str {
    match state {
        TokenState::RefreshFailing => "failing",
        TokenState::Expiring => "expiring",
        other => other.label(),
    }
}

/// Whether someone should look at the profile: only a login helps, something
/// is misconfigured or failing, the token expired, or new tokens are not
/// saved. A refresh that is running or queued is not a problem.
pub fn needs_attention(p: &ProfileStatus, now: i64) -> bool {
    matches!(
        condition(p, now),
        TokenState::NeedsLogin
            | TokenState::Error
            | TokenState::RefreshFailing
            | TokenState::Expired
            | TokenState::Unpersisted
    )
}

/// How urgent the profile is, most urgent first (0): only a login or a fix
/// helps, expired, refresh failing, not saved, something going on or scopes
/// missing, healthy, logged out.
pub fn severity(p: &ProfileStatus, now: i64) -> u8 {
    match condition(p, now) {
        TokenState::NeedsLogin | TokenState::Error => 0,
        TokenState::Expired => 1,
        TokenState::RefreshFailing => 2,
        TokenState::Unpersisted => 3,
        TokenState::Expiring | TokenState::Refreshing | TokenState::LoginPending => 4,
        TokenState::LoggedOut => 6,
        // Valid: a login under way, or scopes missing, are worth a look.
        TokenState::Valid if p.state == TokenState::LoginPending || !p.scopes_missing.is_empty() => 4,
        TokenState::Valid => 5,
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
        assert_eq!(event("brand_new\x1b[2J"), "brand new");
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
        assert_eq!(next_refresh(&p, 100, false), "-");
        p.state = TokenState::Valid;
        p.next_refresh_at = Some(160);
        assert_eq!(next_refresh(&p, 100, false), "no refresh token");
        assert_eq!(next_refresh(&p, 100, true), "never");
        p.has_refresh_token = true;
        assert_eq!(next_refresh(&p, 100, false), "in 1m 0s");
        assert_eq!(next_refresh(&p, 100, true), "in 1m");
        p.retry = Some(RetryInfo {
            attempts: 2,
            last_error: "timeout".into(),
            next_attempt_at: 125,
        });
        assert_eq!(next_refresh(&p, 100, false), "retry in 25s");
        assert_eq!(next_refresh(&p, 100, true), "retry 25s");
        assert_eq!(last_refresh(&p, 100), None);
        p.last_refresh = Some(RefreshResult {
            at: 80,
            ok: false,
            message: "timeout".into(),
        });
        assert_eq!(last_refresh(&p, 100).unwrap(), "failed 20s ago: timeout");
    }

    #[test]
    fn a_retry_that_just_came_due_is_retrying_not_overdue() {
        let mut p = ProfileStatus::logged_out("w");
        p.state = TokenState::RefreshFailing;
        p.has_refresh_token = true;
        p.retry = Some(RetryInfo {
            attempts: 2,
            last_error: "timeout".into(),
            next_attempt_at: 1_000,
        });
        for now in [1_000, 1_001, 1_000 + DUE_GRACE] {
            assert_eq!(next_refresh(&p, now, false), "retrying…", "{now}");
            assert_eq!(next_refresh(&p, now, true), "retrying…", "{now}");
            assert_eq!(next_attempt(p.retry.as_ref().unwrap(), now), "retrying now");
            assert_eq!(refresh_due(&p, now), Some(Due::Now));
        }
        let now = 1_000 + DUE_GRACE + 1;
        assert_eq!(next_refresh(&p, now, false), "retry overdue by 31s");
        assert_eq!(refresh_due(&p, now), Some(Due::Overdue));
        let now = 1_000 + LATE + 65;
        assert_eq!(next_refresh(&p, now, false), "retry overdue by 2m 5s");
        assert_eq!(next_refresh(&p, now, true), "overdue 2m");
        assert_eq!(
            next_attempt(p.retry.as_ref().unwrap(), now),
            "next attempt overdue by 2m 5s"
        );
        assert_eq!(refresh_due(&p, now), Some(Due::Late));
        // The daemon is on it: neither overdue nor late however long.
        p.state = TokenState::Refreshing;
        assert_eq!(next_refresh(&p, now, false), "retrying…");
        assert_eq!(refresh_due(&p, now), None);
    }

    #[test]
    fn a_planned_refresh_that_just_came_due_is_due_now() {
        let mut p = ProfileStatus::logged_out("w");
        p.state = TokenState::Expiring;
        p.has_refresh_token = true;
        p.next_refresh_at = Some(1_000);
        assert_eq!(next_refresh(&p, 1_000, false), "due now");
        assert_eq!(next_refresh(&p, 1_000 + DUE_GRACE, true), "due now");
        assert_eq!(next_refresh(&p, 1_000 + 240, false), "overdue by 4m 0s");
        assert_eq!(next_refresh(&p, 1_000 + 240, true), "overdue 4m");
        assert_eq!(refresh_due(&p, 1_000 + 240), Some(Due::Late));
    }

    fn pending_over(expires_at: Option<i64>) -> ProfileStatus {
        let mut p = ProfileStatus::logged_out("w");
        p.state = TokenState::LoginPending;
        p.obtained_at = Some(0);
        p.expires_at = expires_at;
        p.has_refresh_token = true;
        p
    }

    #[test]
    fn a_pending_login_keeps_the_tokens_condition_visible() {
        let now = 1_000;
        let mut p = ProfileStatus::logged_out("w");
        p.state = TokenState::LoginPending;
        assert_eq!(under_login(&p, now), None, "no token underneath");
        assert_eq!(state_words(&p, now, false), "login pending");
        assert!(!needs_attention(&p, now));

        let p = pending_over(Some(now - 60));
        assert_eq!(under_login(&p, now), Some(TokenState::Expired));
        assert_eq!(state_words(&p, now, false), "login pending · expired");
        assert_eq!(state_words(&p, now, true), "login · expired");
        assert!(needs_attention(&p, now));
        assert_eq!(severity(&p, now), 1);

        let mut p = pending_over(Some(now + 600));
        assert_eq!(state_words(&p, now, false), "login pending · valid");
        assert!(!needs_attention(&p, now));
        p.retry = Some(RetryInfo {
            attempts: 1,
            last_error: "timeout".into(),
            next_attempt_at: now + 30,
        });
        assert_eq!(state_words(&p, now, false), "login pending · refresh failing");
        assert_eq!(state_words(&p, now, true), "login · failing");
        assert!(needs_attention(&p, now));
        p.retry = None;
        p.last_refresh = Some(RefreshResult {
            at: now - 5,
            ok: false,
            message: "invalid_grant".into(),
        });
        assert_eq!(
            state_words(&p, now, false),
            "login pending · needs login",
            "a failed refresh that is not retried"
        );
        // Other states are the daemon's word alone.
        let mut p = pending_over(Some(now - 60));
        p.state = TokenState::Expired;
        assert_eq!(under_login(&p, now), None);
        assert_eq!(state_words(&p, now, false), "expired");
    }

    #[test]
    fn problems_come_first_and_running_refreshes_are_not_problems() {
        let now = 1_000;
        let with = |state: TokenState| ProfileStatus {
            state,
            ..pending_over(Some(now + 600))
        };
        let order = [
            TokenState::NeedsLogin,
            TokenState::Expired,
            TokenState::RefreshFailing,
            TokenState::Unpersisted,
            TokenState::Refreshing,
            TokenState::Valid,
            TokenState::LoggedOut,
        ];
        let ranks: Vec<u8> = order.iter().map(|s| severity(&with(*s), now)).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        assert_eq!(severity(&with(TokenState::Error), now), 0);
        for state in [
            TokenState::NeedsLogin,
            TokenState::Error,
            TokenState::RefreshFailing,
            TokenState::Expired,
        ] {
            assert!(needs_attention(&with(state), now), "{state:?}");
        }
        for state in [
            TokenState::Refreshing,
            TokenState::Valid,
            TokenState::Expiring,
            TokenState::LoggedOut,
        ] {
            assert!(!needs_attention(&with(state), now), "{state:?}");
        }
        let mut queued = with(TokenState::Refreshing);
        queued.expires_at = Some(now - 30);
        queued.reason = Some("a refresh is queued".into());
        assert!(!needs_attention(&queued, now), "a queued refresh of an expired token");
        let mut scoped = with(TokenState::Valid);
        scoped.scopes_missing = vec!["write".into()];
        assert!(severity(&scoped, now) < severity(&with(TokenState::Valid), now));
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
