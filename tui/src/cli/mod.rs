//! The command line: argument parsing (clap derive) and dispatch to the
//! scripting subcommands, the demo, or the terminal UI. Data goes to stdout,
//! messages to stderr; exit codes come from [`crate::exit`].

mod api;
mod audit;
mod login;
mod refresh;
mod revoke;
mod status;
mod token;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use pdauth_common::paths::{self, ProcessEnv};

use crate::client::{ClientError, Connection};
use crate::exit::CliError;
use crate::{demo, runtime};

/// pdauth: PagerDuty logins held by pdauthd, from the terminal.
///
/// Without a subcommand, opens the terminal UI.
#[derive(Debug, Parser)]
#[command(name = "pdauth", version, about, long_about = None)]
pub struct Cli {
    /// The daemon's socket [default: $XDG_RUNTIME_DIR/pdauth/pdauthd.sock]
    #[arg(long, global = true, env = paths::ENV_SOCKET, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to a profile: prints the URL to open, waits for the approval.
    ///
    /// Exits 0 once the login succeeded, even when PagerDuty granted fewer
    /// scopes than requested (a warning on stderr names the missing ones); 7
    /// when it failed, was denied, timed out, or was cancelled by Ctrl-C,
    /// SIGTERM or SIGHUP (the pending login is cancelled in pdauthd too).
    Login(LoginArgs),
    /// Every profile's token health.
    Status {
        /// Machine-readable output on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a profile's access token (alone, on stdout).
    ///
    /// Exits 4 when the profile needs a login, 5 for an unknown profile, 3
    /// when pdauthd cannot be reached, and 1 otherwise, e.g. when the token
    /// expired while the identity server is failing (the message says when
    /// pdauthd tries again) or the identity server rejects the OAuth client.
    Token {
        /// The profile name.
        profile: String,
    },
    /// Refresh a profile's tokens now; prints the new state.
    ///
    /// Exits 0 with a fresh usable token, 4 when the profile needs a login, 1
    /// when the refresh failed otherwise.
    Refresh {
        /// The profile name.
        profile: String,
    },
    /// The audit log of token events, newest first.
    Audit {
        /// Only this profile's entries.
        profile: Option<String>,
        /// A JSON array of entries on stdout.
        #[arg(long)]
        json: bool,
        /// At most this many entries.
        #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
    },
    /// Revoke a profile's tokens at PagerDuty and delete them locally.
    ///
    /// Prints the outcome word on stdout: `confirmed`, `local_only`, or
    /// `not_confirmed` (exit 1: deleted here, but PagerDuty did not confirm).
    Revoke {
        /// The profile name.
        profile: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Call PagerDuty's REST API as a profile; prints PagerDuty's JSON.
    ///
    /// `pdauth api /incidents -q 'statuses[]=triggered'`, `pdauth api
    /// /users --paginate`, `pdauth api --method POST /incidents --data
    /// '{...}'`. The path is relative to the profile's API base; pdauthd adds
    /// the token, refreshes it when PagerDuty rejects it, and keeps to the
    /// rate limit.
    ///
    /// Exits 0 with PagerDuty's JSON on stdout; 8 when PagerDuty answered an
    /// error status (its message on stderr, nothing on stdout); 2 for a bad
    /// command line (an absolute URL, a body without a method, no
    /// --profile while several profiles are set up); 4 when the profile
    /// needs a login; 5 for an unknown profile; 6 when PagerDuty's rate
    /// limit still holds after waiting; 1 otherwise (e.g. a write without a
    /// write scope).
    Api(api::ApiArgs),
    /// Try everything against a local PagerDuty sandbox, in a throw-away setup.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sandbox opens, acknowledges or resolves an incident every SECS
    /// seconds, so live lists visibly change; 0 keeps the account still.
    #[arg(long, value_name = "SECS", default_value_t = demo::ACTIVITY_SECS)]
    pub activity: u64,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The profile name.
    pub profile: String,
    /// Do not open a browser, only print the URL.
    #[arg(long)]
    pub no_browser: bool,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
}

impl Cli {
    /// The socket to use: `--socket`, then `PDAUTH_SOCKET`, then the default.
    pub fn socket_path(&self) -> PathBuf {
        let explicit = self.socket.as_deref().filter(|p| !p.as_os_str().is_empty());
        paths::socket_path(explicit, &ProcessEnv)
    }
}

/// Run what the command line asks for.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let socket = cli.socket_path();
    match cli.command {
        None => runtime::run(runtime::Options { socket, demo: false })
            .await
            .map_err(|e| CliError::failure(format!("{e:#}"))),
        Some(Command::Login(args)) => login::run(&socket, args).await,
        Some(Command::Status { json }) => status::run(&socket, json).await,
        Some(Command::Token { profile }) => token::run(&socket, &profile).await,
        Some(Command::Revoke { profile, yes }) => revoke::run(&socket, &profile, yes).await,
        Some(Command::Refresh { profile }) => refresh::run(&socket, &profile).await,
        Some(Command::Audit { profile, json, limit }) => audit::run(&socket, profile, json, limit).await,
        Some(Command::Api(args)) => api::run(&socket, args).await,
        Some(Command::Demo(_)) if cli.socket.is_some() => Err(CliError::usage(
            "pdauth demo starts its own daemon on a socket of its own; --socket does not apply to it",
        )),
        Some(Command::Demo(args)) => demo::run(args.activity).await,
    }
}

/// How long a plain request may take before the command gives up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

async fn connect(socket: &std::path::Path) -> Result<Connection, CliError> {
    Ok(Connection::connect(socket).await?)
}

/// Await a daemon answer, giving up after `limit` with a clear message.
async fn within<T>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, CliError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(CliError::new(
            crate::exit::DAEMON_UNREACHABLE,
            format!("pdauthd did not answer {what} within {} s", limit.as_secs()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn socket_is_global() {
        let before = Cli::try_parse_from(["pdauth", "--socket", "/a.sock", "status"]).unwrap();
        let after = Cli::try_parse_from(["pdauth", "status", "--json", "--socket", "/b.sock"]).unwrap();
        assert_eq!(before.socket.as_deref(), Some(std::path::Path::new("/a.sock")));
        assert_eq!(after.socket.as_deref(), Some(std::path::Path::new("/b.sock")));
        assert!(matches!(after.command, Some(Command::Status { json: true })));
    }

    #[test]
    fn audit_arguments() {
        let cli = Cli::try_parse_from(["pdauth", "audit"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Audit {
                profile: None,
                json: false,
                limit: 50
            })
        ));
        let cli = Cli::try_parse_from(["pdauth", "audit", "work", "--json", "--limit", "5"]).unwrap();
        match cli.command {
            Some(Command::Audit { profile, json, limit }) => {
                assert_eq!(profile.as_deref(), Some("work"));
                assert!(json);
                assert_eq!(limit, 5);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(Cli::try_parse_from(["pdauth", "audit", "--limit", "0"]).is_err());
    }

    #[test]
    fn login_defaults() {
        let cli = Cli::try_parse_from(["pdauth", "login", "work"]).unwrap();
        match cli.command {
            Some(Command::Login(args)) => {
                assert_eq!(args.profile, "work");
                assert_eq!(args.timeout, 300);
                assert!(!args.no_browser);
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
