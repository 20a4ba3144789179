//! `pdauth revoke PROFILE [--yes]`: says what will happen, asks on the
//! terminal unless `--yes`, revokes, and says what did happen. The outcome
//! word (`confirmed`, `not_confirmed`, `local_only`) goes to stdout; exit 1 for
//! `not_confirmed` (deleted here, but PagerDuty may still honour the grant).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use pdauth_common::{Request, Response, RevokeOutcome, sanitize};

use super::{connect, within};
use crate::client::unexpected;
use crate::exit::{self, CliError};
use crate::views::{BY_HAND, mentions_manual_revoke};

/// Revocation waits on PagerDuty (one request per token, each bounded by the
/// daemon's own HTTP timeouts); give it time.
const REVOKE_TIMEOUT: Duration = Duration::from_secs(120);

pub(super) async fn run(socket: &Path, profile: &str, yes: bool) -> Result<(), CliError> {
    let shown = sanitize::truncated(profile, 64);
    let conn = connect(socket).await?;
    // An unknown name is said before any talk of what revoking would do.
    match within(REVOKE_TIMEOUT, "the status request", conn.request(Request::Status)).await? {
        Response::Status { profiles, .. } if !profiles.iter().any(|p| p.name == profile) => {
            return Err(CliError::new(
                exit::NOT_FOUND,
                format!("no profile named {shown:?} in pdauthd's configuration"),
            ));
        }
        Response::Status { .. } => {}
        other => return Err(unexpected(&other).into()),
    }
    if !yes && !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "refusing to revoke {shown} without --yes: standard input is not a terminal to ask on"
        )));
    }
    let plan = format!(
        "This asks PagerDuty to revoke the grant of profile {shown}, then deletes its tokens from this machine \
         whatever PagerDuty answers. Anything using {shown} needs a new login afterwards."
    );
    if yes {
        crate::say!("{plan}");
    } else {
        crate::say_inline!("{plan}\nRevoke {shown}? [y/N] ");
        let _ = std::io::stderr().flush();
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| CliError::failure(format!("cannot read the answer: {e}")))?
        .map_err(|e| CliError::failure(format!("cannot read the answer: {e}")))?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(CliError::failure(format!(
                "not revoked: the tokens of {shown} are unchanged"
            )));
        }
    }

    let request = Request::Revoke {
        profile: profile.to_string(),
    };
    let outcome = match within(REVOKE_TIMEOUT, "the revocation", conn.request(request)).await? {
        Response::Revoked { outcome, .. } => outcome,
        other => return Err(unexpected(&other).into()),
    };
    let (word, message) = describe(&shown, &outcome);
    crate::say!("{message}");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{word}")
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::FAILURE, format!("cannot write to stdout: {e}")))?;
    match outcome {
        // Already explained above; only the exit code is left to say it.
        RevokeOutcome::NotConfirmed { .. } => Err(CliError::silent(exit::FAILURE)),
        RevokeOutcome::Confirmed | RevokeOutcome::LocalOnly { .. } => Ok(()),
    }
}

/// The outcome word for scripts and the sentence for people.
pub fn describe(profile: &str, outcome: &RevokeOutcome) -> (&'static str, String) {
    match outcome {
        RevokeOutcome::Confirmed => (
            "confirmed",
            format!("PagerDuty confirmed the revocation of {profile}; its tokens were deleted from this machine."),
        ),
        RevokeOutcome::NotConfirmed { detail } => {
            // pdauthd usually says where to revoke by hand; say it only once.
            let by_hand = if mentions_manual_revoke(detail) { "" } else { BY_HAND };
            (
                "not_confirmed",
                format!(
                    "PagerDuty did not confirm the revocation of {profile}: {}\n\
                     Its tokens were deleted from this machine anyway. {by_hand}",
                    sanitize::for_terminal(detail)
                )
                .trim_end()
                .to_string(),
            )
        }
        RevokeOutcome::LocalOnly { detail } => (
            "local_only",
            format!(
                "Nothing was sent to PagerDuty ({}); the local tokens of {profile} were cleared.",
                sanitize::for_terminal(detail)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_described() {
        assert_eq!(describe("w", &RevokeOutcome::Confirmed).0, "confirmed");
        let (word, text) = describe(
            "w",
            &RevokeOutcome::NotConfirmed {
                detail: "timeout\x1b[31m".into(),
            },
        );
        assert_eq!(word, "not_confirmed");
        assert!(text.contains("by hand"));
        assert!(!text.contains('\x1b'));
        // The daemon's own hint is not repeated.
        let (_, text) = describe(
            "w",
            &RevokeOutcome::NotConfirmed {
                detail: "access token: HTTP 503; to be sure, revoke the app's access in https://acme.pagerduty.com \
                         under My Profile → User Settings (authorized applications)"
                    .into(),
            },
        );
        assert_eq!(text.matches("User Settings").count(), 1, "{text}");
        assert_eq!(
            describe(
                "w",
                &RevokeOutcome::LocalOnly {
                    detail: "no token".into()
                }
            )
            .0,
            "local_only"
        );
    }
}
