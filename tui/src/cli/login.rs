//! `pdauth login PROFILE`: subscribe, start the login, print the authorize URL
//! alone on stdout, optionally open a browser, and wait for the daemon to
//! report the outcome for that profile.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use pdauth_common::{Event, Request, Response, sanitize};

use super::{LoginArgs, REQUEST_TIMEOUT, connect, within};
use crate::client::unexpected;
use crate::exit::{self, CliError};
use crate::{browser, clock};

/// Extra wait after the daemon's own login expiry, for its failure event.
const EXPIRY_GRACE: i64 = 5;

pub(super) async fn run(socket: &Path, args: LoginArgs) -> Result<(), CliError> {
    let profile = args.profile.as_str();
    let shown = sanitize::truncated(profile, 64);
    let mut conn = connect(socket).await?;
    // Subscribe first so no outcome can slip by between the two requests.
    within(REQUEST_TIMEOUT, "the subscription", conn.subscribe()).await?;
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
    eprintln!(
        "Open the URL above in a browser and approve the access for profile {shown}.\n\
         Waiting up to {} for the approval (Ctrl-C to give up)…",
        clock::compact(i64::try_from(limit.as_secs()).unwrap_or(i64::MAX))
    );
    if !args.no_browser && browser::available() {
        match browser::open(&url).await {
            Ok(()) => eprintln!("Opened it in your browser."),
            Err(e) => eprintln!("Could not open a browser ({e}); open the URL by hand."),
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
                return Err(CliError::new(
                    exit::DAEMON_UNREACHABLE,
                    format!("lost pdauthd while waiting for the login: {e}"),
                ));
            }
        }
    };
    match outcome {
        Ok(()) => {
            eprintln!("Logged in: {shown} has a fresh token.");
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
