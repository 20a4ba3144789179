//! `pdauth token PROFILE`: the access token alone on stdout, for scripts.

use std::io::Write;
use std::path::Path;

use pdauth_common::{Request, Response, sanitize};

use super::{REQUEST_TIMEOUT, connect, within};
use crate::client::unexpected;
use crate::exit::CliError;

pub(super) async fn run(socket: &Path, profile: &str) -> Result<(), CliError> {
    let shown = sanitize::truncated(profile, 64);
    let conn = connect(socket).await?;
    let request = Request::Token {
        profile: profile.to_string(),
    };
    let response = within(REQUEST_TIMEOUT, "the token request", conn.request(request))
        .await
        .map_err(|err| with_hint(err, &shown))?;
    let token = match response {
        Response::Token { access_token, .. } => access_token,
        other => return Err(unexpected(&other).into()),
    };
    if token.is_empty() || token.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(CliError::failure(format!(
            "pdauthd returned a malformed token for {shown}"
        )));
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{token}")
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))
}

/// Add what to do next to the daemon's message.
fn with_hint(err: CliError, profile: &str) -> CliError {
    let hint = match err.code {
        crate::exit::NEEDS_LOGIN if !err.message.contains("pdauth login") => {
            format!(" (run `pdauth login {profile}`)")
        }
        crate::exit::NOT_FOUND if !err.message.contains("pdauth status") => {
            " (`pdauth status` lists the profiles)".to_string()
        }
        _ => String::new(),
    };
    CliError::new(err.code, format!("{}{hint}", err.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;
    use pdauth_common::{ErrorCode, WireError};

    #[test]
    fn hints_follow_the_code() {
        let err: CliError = ClientError::Daemon(WireError::new(ErrorCode::NeedsLogin, "no token for work")).into();
        let err = with_hint(err, "work");
        assert_eq!(err.code, 4);
        assert_eq!(err.message, "no token for work (run `pdauth login work`)");
        let err: CliError = ClientError::Daemon(WireError::new(
            ErrorCode::NeedsLogin,
            "work is not logged in; run `pdauth login work`",
        ))
        .into();
        assert_eq!(
            with_hint(err, "work").message,
            "work is not logged in; run `pdauth login work`"
        );
    }
}
