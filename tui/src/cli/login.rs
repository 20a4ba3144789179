//! `pdauth login PROFILE`: subscribe, start the login, print the authorize URL
//! alone on stdout, optionally open a browser, and wait for the daemon to
//! report the outcome for that profile. Ctrl-C, SIGTERM and SIGHUP cancel the
//! pending login; a connection lost while waiting is checked once against the
//! profile's status, so a login that finished as the daemon went away is still
//! reported as a success. A success with scopes PagerDuty did not grant warns
//! on stderr and still exits 0: the login itself happened.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use pdauth_common::{Event, ProfileStatus, Request, Response, sanitize};
use tokio::signal::unix::{SignalKind, signal};

use super::{LoginArgs, REQUEST_TIMEOUT, connect, within};
use crate::client::{Connection, unexpected};
use crate::exit::{self, CliError};
use crate::{browser, clock};

/// Extra wait after the daemon's own login expiry, for its failure event.
const EXPIRY_GRACE: i64 = 5;
/// How long to try reaching the daemon again after the connection dropped
/// during the wait.
const RECONNECT_DEADLINE: Duration = Duration::from_secs(5);
/// How long the status lookups after the login may take.
const STATUS_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) async fn run(socket: &Path, args: LoginArgs) -> Result<(), CliError> {
    let profile = args.profile.as_str();
    let shown = sanitize::truncated(profile, 64);
    let mut conn = connect(socket).await?;
    // Subscribe first so no outcome can slip by between the two requests.
    within(REQUEST_TIMEOUT, "the subscription", conn.subscribe()).await?;
    // From here on a termination request cancels the login instead of
    // leaving it pending in the daemon.
    let mut sigterm =
        signal(SignalKind::terminate()).map_err(|e| CliError::failure(format!("cannot watch SIGTERM: {e}")))?;
    let mut sighup =
        signal(SignalKind::hangup()).map_err(|e| CliError::failure(format!("cannot watch SIGHUP: {e}")))?;
    let request = Request::Login {
        profile: profile.to_string(),
    };
    let login = match within(REQUEST_TIMEOUT, "the login request", conn.request(request)).await? {
        Response::LoginStarted { login } => login,
        other => return Err(unexpected(&other).into()),
    };
    let url = sanitize::for_terminal(&login.authorize_url);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{url}")
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))?;
    drop(stdout);

    let now = clock::unix_now();
    let login_left = u64::try_from((login.expires_at - now).max(0) + EXPIRY_GRACE).unwrap_or(0);
    let limit = Duration::from_secs(args.timeout.min(login_left));
    crate::say!(
        "Open the URL above in a browser and approve the access for profile {shown}.\n\
         Waiting up to {} for the approval (Ctrl-C to give up)…",
        clock::compact(i64::try_from(limit.as_secs()).unwrap_or(i64::MAX))
    );
    if !args.no_browser && browser::available() {
        match browser::open(&url).await {
            Ok(()) => crate::say!("Opened it in your browser."),
            Err(e) => crate::say!("Could not open a browser ({e}); open the URL by hand."),
        }
    }

    let deadline = tokio::time::Instant::now() + limit;
    let outcome = loop {
        let event = tokio::select! {
            event = conn.next_event() => event,
            _ = tokio::time::sleep_until(deadline) => break Err(CliError::new(
                exit::LOGIN_FAILED,
                format!(
                    "the login for {shown} was not approved within {} s; run `pdauth login {shown}` again",
                    limit.as_secs()
                ),
            )),
            _ = tokio::signal::ctrl_c() => break Err(CliError::new(exit::LOGIN_FAILED, "login cancelled")),
            _ = sigterm.recv() => break Err(CliError::new(exit::LOGIN_FAILED, "login cancelled (terminated)")),
            _ = sighup.recv() => break Err(CliError::new(exit::LOGIN_FAILED, "login cancelled (hangup)")),
        };
        match event {
            Ok(Event::LoginCompleted { profile: p }) if p == profile => break Ok(()),
            Ok(Event::LoginFailed { profile: p, message }) if p == profile => {
                return Err(CliError::new(
                    exit::LOGIN_FAILED,
                    format!("the login for {shown} failed: {}", sanitize::for_terminal(&message)),
                ));
            }
            Ok(Event::LoginStarted { login: other })
                if other.profile == profile && sanitize::for_terminal(&other.authorize_url) != url =>
            {
                return Err(CliError::new(
                    exit::LOGIN_FAILED,
                    format!("another client restarted the login for {shown}; the URL printed above no longer works"),
                ));
            }
            Ok(_) => continue,
            Err(e) => {
                // The daemon may have finished the login just before it went
                // away (a drain on shutdown): look once more.
                return match status_after_drop(socket, profile, login.started_at).await {
                    Some(status) => {
                        crate::say!("Logged in: {shown} has a fresh token (pdauthd restarted meanwhile).");
                        warn_missing_scopes(&shown, &status);
                        Ok(())
                    }
                    None => Err(CliError::new(
                        exit::DAEMON_UNREACHABLE,
                        format!("lost pdauthd while waiting for the login: {e}"),
                    )),
                };
            }
        }
    };
    match outcome {
        Ok(()) => {
            crate::say!("Logged in: {shown} has a fresh token.");
            if let Some(status) = profile_status(&conn, profile).await {
                warn_missing_scopes(&shown, &status);
            }
            Ok(())
        }
        Err(err) => {
            // Best effort: the daemon forgets the pending login.
            let cancel = Request::CancelLogin {
                profile: profile.to_string(),
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), conn.request(cancel)).await;
            Err(err)
        }
    }
}

/// The profile's status from a fresh connection, if the daemon can be reached
/// again within [`RECONNECT_DEADLINE`] and the profile holds a token obtained
/// since the login started (`started_at`, the daemon's clock).
async fn status_after_drop(socket: &Path, profile: &str, started_at: i64) -> Option<ProfileStatus> {
    let deadline = tokio::time::Instant::now() + RECONNECT_DEADLINE;
    let conn = loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, Connection::connect(socket)).await {
            Ok(Ok(conn)) => break conn,
            Ok(Err(_)) if tokio::time::Instant::now() + Duration::from_millis(200) < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => return None,
        }
    };
    profile_status(&conn, profile)
        .await
        .filter(|status| logged_in_since(status, started_at))
}

/// Whether `status` shows a usable token obtained at or after `started_at`.
pub fn logged_in_since(status: &ProfileStatus, started_at: i64) -> bool {
    status.state.has_usable_token() && status.obtained_at.is_some_and(|at| at >= started_at)
}

async fn profile_status(conn: &Connection, profile: &str) -> Option<ProfileStatus> {
    match tokio::time::timeout(STATUS_TIMEOUT, conn.request(Request::Status)).await {
        Ok(Ok(Response::Status { profiles, .. })) => profiles.into_iter().find(|p| p.name == profile),
        _ => None,
    }
}

/// Say on stderr which requested scopes PagerDuty did not grant.
fn warn_missing_scopes(shown: &str, status: &ProfileStatus) {
    if let Some(warning) = missing_scopes_warning(shown, status) {
        crate::say!("{warning}");
    }
}

/// The warning for scopes requested but not granted, if any.
pub fn missing_scopes_warning(shown: &str, status: &ProfileStatus) -> Option<String> {
    if status.scopes_missing.is_empty() {
        return None;
    }
    let missing = sanitize::truncated(&status.scopes_missing.join(" "), 200);
    let granted = if status.scopes_granted.is_empty() {
        "none of the requested scopes".to_string()
    } else {
        format!("only {}", sanitize::truncated(&status.scopes_granted.join(" "), 200))
    };
    Some(format!(
        "warning: PagerDuty granted {shown} {granted}; missing: {missing}. Calls needing them will fail: \
         check the scopes the app may request in PagerDuty, then log in again."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::TokenState;

    fn status(granted: &[&str], missing: &[&str]) -> ProfileStatus {
        ProfileStatus {
            state: TokenState::Valid,
            scopes_requested: vec!["read".into(), "write".into()],
            scopes_granted: granted.iter().map(|s| s.to_string()).collect(),
            scopes_missing: missing.iter().map(|s| s.to_string()).collect(),
            obtained_at: Some(100),
            ..ProfileStatus::logged_out("work")
        }
    }

    #[test]
    fn missing_scopes_are_named() {
        assert_eq!(missing_scopes_warning("work", &status(&["read", "write"], &[])), None);
        let some = missing_scopes_warning("work", &status(&["read"], &["write"])).unwrap();
        assert!(some.contains("only read; missing: write"), "{some}");
        let none = missing_scopes_warning("work", &status(&[], &["read", "write"])).unwrap();
        assert!(
            none.contains("none of the requested scopes; missing: read write"),
            "{none}"
        );
    }

    #[test]
    fn only_a_token_newer_than_the_login_counts() {
        let fresh = status(&["read"], &[]);
        assert!(logged_in_since(&fresh, 100));
        assert!(!logged_in_since(&fresh, 101), "an older token is not this login's");
        let pending = ProfileStatus {
            state: TokenState::LoginPending,
            ..fresh
        };
        assert!(!logged_in_since(&pending, 0));
    }
}
