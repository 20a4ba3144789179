//! Exit codes of `pdauth` and the error type the subcommands return. Owns the
//! mapping from daemon error codes to exit codes; prints nothing itself.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success; also `login` when PagerDuty granted fewer scopes than requested (a warning names them) |
//! | 1 | any other failure; `revoke` whose outcome is `not_confirmed` (deleted here, PagerDuty did not confirm); `refresh` that failed for another reason than a needed login; `token` when the token expired while the identity server is failing (daemon code `upstream`: the message says when the next attempt is, and a login would not help) or when the identity server rejects the OAuth client (`config`: fix pdauthd's configuration); the daemon's message is printed as it is |
//! | 2 | bad command line |
//! | 3 | `pdauthd` not running, stopping (its socket is still there but refuses connections, or it hung up before the handshake), unreachable, of another protocol, or untrusted (another user's process, or a socket directory others can write) |
//! | 4 | the profile needs a login (`token`, `refresh`; daemon code `needs_login`): the message says to run `pdauth login PROFILE` |
//! | 5 | unknown profile |
//! | 6 | PagerDuty's rate limit is in force |
//! | 7 | a login failed, was denied, cancelled (Ctrl-C, SIGTERM, SIGHUP) or timed out |
//! | 8 | `api`: PagerDuty answered with an error status (its message is on stderr) |

use pdauth_common::ErrorCode;
use pdauth_common::sanitize;

/// Success.
pub const OK: u8 = 0;
/// Any failure without a more specific code.
pub const FAILURE: u8 = 1;
/// Bad command line (clap uses the same code for its own usage errors).
pub const USAGE: u8 = 2;
/// `pdauthd` is not running, or its socket cannot be reached or understood.
pub const DAEMON_UNREACHABLE: u8 = 3;
/// The profile has no usable token: log in first.
pub const NEEDS_LOGIN: u8 = 4;
/// Unknown profile.
pub const NOT_FOUND: u8 = 5;
/// PagerDuty's rate limit is in force; try again later.
pub const RATE_LIMITED: u8 = 6;
/// A login failed, was denied, was cancelled or timed out.
pub const LOGIN_FAILED: u8 = 7;
/// `pdauth api`: PagerDuty answered with an error status.
pub const API_REFUSED: u8 = 8;

/// The exit code for an error the daemon reported.
pub fn for_wire(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::NeedsLogin => NEEDS_LOGIN,
        ErrorCode::NotFound => NOT_FOUND,
        ErrorCode::RateLimited => RATE_LIMITED,
        ErrorCode::ProtocolMismatch | ErrorCode::UnauthorizedPeer => DAEMON_UNREACHABLE,
        // What the daemon would not take from this command line (a path
        // outside the API, a bad profile name): a usage error.
        ErrorCode::InvalidRequest => USAGE,
        ErrorCode::Forbidden
        | ErrorCode::Storage
        | ErrorCode::Upstream
        | ErrorCode::Config
        | ErrorCode::Busy
        | ErrorCode::Internal => FAILURE,
    }
}

/// A failed subcommand: what to print on stderr and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: sanitize::for_terminal(&message.into()),
        }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(FAILURE, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// A failure already explained on stderr: only the exit code is left.
    pub fn silent(code: u8) -> Self {
        Self {
            code,
            message: String::new(),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<crate::client::ClientError> for CliError {
    fn from(err: crate::client::ClientError) -> Self {
        CliError::new(err.exit_code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_map_to_documented_exits() {
        assert_eq!(for_wire(ErrorCode::NeedsLogin), 4);
        assert_eq!(for_wire(ErrorCode::NotFound), 5);
        assert_eq!(for_wire(ErrorCode::RateLimited), 6);
        assert_eq!(for_wire(ErrorCode::ProtocolMismatch), 3);
        assert_eq!(for_wire(ErrorCode::Internal), 1);
        // An identity-server outage and a rejected client are not fixed by
        // logging in.
        assert_eq!(for_wire(ErrorCode::Upstream), FAILURE);
        assert_eq!(for_wire(ErrorCode::Config), FAILURE);
    }

    #[test]
    fn messages_are_sanitised() {
        let err = CliError::failure("bad\x1b[2Jthing");
        assert!(!err.message.contains('\x1b'));
    }
}
