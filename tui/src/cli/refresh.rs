//! `pdauth refresh PROFILE`: refresh the profile's tokens now (joining a
//! refresh already in flight), print the new state word on stdout and a
//! sentence on stderr. Exit 0 when the profile holds a fresh usable token, 4
//! when it needs a login, 1 for any other failed refresh.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use pdauth_common::{ProfileStatus, Request, Response, TokenState, sanitize};

use super::{connect, within};
use crate::client::unexpected;
use crate::exit::{self, CliError};
use crate::{clock, words};

/// A refresh waits on the identity server; give it time.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(90);

pub(super) async fn run(socket: &Path, profile: &str) -> Result<(), CliError> {
    let shown = sanitize::truncated(profile, 64);
    let conn = connect(socket).await?;
    let request = Request::Refresh {
        profile: profile.to_string(),
    };
    let status = match within(REFRESH_TIMEOUT, "the refresh", conn.request(request)).await {
        Ok(Response::Refreshed { status }) => status,
        Ok(other) => return Err(unexpected(&other).into()),
        Err(err) => return Err(failure(err)),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", status.state.as_str())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))?;
    drop(stdout);
    let (code, sentence) = outcome(&shown, &status, clock::unix_now());
    crate::say!("{sentence}");
    match code {
        exit::OK => Ok(()),
        code => Err(CliError::silent(code)),
    }
}

/// The daemon's refusal: a needed login keeps its code (4), a daemon that
/// cannot be reached or a profile that does not exist keep theirs (3, 5);
/// whatever else failed the refresh is 1.
fn failure(err: CliError) -> CliError {
    match err.code {
        exit::NEEDS_LOGIN | exit::DAEMON_UNREACHABLE | exit::NOT_FOUND | exit::USAGE => err,
        _ => CliError::new(exit::FAILURE, err.message),
    }
}

/// The exit code and the sentence for a finished refresh.
pub fn outcome(shown: &str, status: &ProfileStatus, now: i64) -> (u8, String) {
    let reason = status
        .reason
        .as_deref()
        .map(|r| format!(": {}", sanitize::truncated(r, 300)))
        .unwrap_or_default();
    match status.state {
        TokenState::NeedsLogin => (
            exit::NEEDS_LOGIN,
            format!("{shown} needs a new login{reason}; run `pdauth login {shown}`"),
        ),
        TokenState::Valid | TokenState::Expiring | TokenState::Unpersisted => {
            let mut sentence = format!("{shown} refreshed: {}, {}", status.state.label(), expiry(status, now));
            if status.state == TokenState::Unpersisted {
                sentence.push_str(&format!("; not saved to disk{reason}"));
            }
            (exit::OK, sentence)
        }
        state => (
            exit::FAILURE,
            format!(
                "{shown} was not refreshed: {}{}{}",
                state.label(),
                reason,
                words::last_refresh(status, now)
                    .map(|l| format!(" (last refresh {l})"))
                    .unwrap_or_default()
            ),
        ),
    }
}

fn expiry(status: &ProfileStatus, now: i64) -> String {
    match status.expires_at {
        Some(at) if at > now => format!("the access token expires in {}", clock::compact(at - now)),
        Some(_) => "the access token has expired".to_string(),
        None => "no expiry given".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: TokenState) -> ProfileStatus {
        ProfileStatus {
            state,
            expires_at: Some(1_000 + 3_600),
            ..ProfileStatus::logged_out("work")
        }
    }

    #[test]
    fn exit_codes_follow_the_new_state() {
        let (code, text) = outcome("work", &status(TokenState::Valid), 1_000);
        assert_eq!(code, 0);
        assert_eq!(text, "work refreshed: valid, the access token expires in 1h 0m");
        let needs = ProfileStatus {
            reason: Some("the refresh token was rejected".into()),
            ..status(TokenState::NeedsLogin)
        };
        let (code, text) = outcome("work", &needs, 1_000);
        assert_eq!(code, 4);
        assert!(text.contains("the refresh token was rejected"), "{text}");
        assert!(text.contains("pdauth login work"), "{text}");
        assert_eq!(outcome("work", &status(TokenState::RefreshFailing), 1_000).0, 1);
        assert_eq!(outcome("work", &status(TokenState::Error), 1_000).0, 1);
    }

    #[test]
    fn refusals_keep_only_the_documented_codes() {
        assert_eq!(failure(CliError::new(exit::NEEDS_LOGIN, "x")).code, 4);
        assert_eq!(failure(CliError::new(exit::NOT_FOUND, "x")).code, 5);
        assert_eq!(failure(CliError::new(exit::RATE_LIMITED, "x")).code, 1);
        assert_eq!(failure(CliError::new(exit::FAILURE, "x")).code, 1);
    }
}
