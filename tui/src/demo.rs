//! `pdauth demo`: a complete local setup in a private temporary directory:
//! starts the PagerDuty sandbox and a daemon configured for it, runs the
//! terminal UI with the sandbox approval offered, and stops both and removes
//! the directory on the way out. Never touches the user's real daemon or
//! config.

pub mod approve;
pub mod form;

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use pdauth_common::{Request, Response};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub use approve::{Approval, ApproveError, approve_in_sandbox};

use crate::client::Connection;
use crate::exit::{self, CliError};
use crate::runtime;

/// Redirect port the sandbox registers for the demo client by default.
pub const DEFAULT_REDIRECT_PORT: u16 = 8976;
/// How long the sandbox may take to print its URL.
const SIM_DEADLINE: Duration = Duration::from_secs(10);
/// How long the daemon may take to answer a ping.
const DAEMON_DEADLINE: Duration = Duration::from_secs(10);
/// How long a child gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// The sandbox and daemon executables, expected next to `pdauth`.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub sim: PathBuf,
    pub daemon: PathBuf,
}

impl Binaries {
    /// Find both next to the running executable.
    pub fn next_to_self() -> Result<Self, CliError> {
        let exe = std::env::current_exe()
            .map_err(|e| CliError::failure(format!("cannot find pdauth's own executable: {e}")))?;
        let dir = exe.parent().unwrap_or(Path::new("."));
        Self::in_dir(dir)
    }

    /// Find both in `dir`.
    pub fn in_dir(dir: &Path) -> Result<Self, CliError> {
        let find = |name: &str| {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(CliError::failure(format!(
                    "{name} not found next to pdauth (in {}): build them with cargo build --release",
                    dir.display()
                )))
            }
        };
        Ok(Binaries {
            sim: find("pdauth-sim")?,
            daemon: find("pdauthd")?,
        })
    }
}

/// The redirect port: the sandbox's default when free, else any free one.
pub fn pick_redirect_port() -> io::Result<u16> {
    if std::net::TcpListener::bind(("127.0.0.1", DEFAULT_REDIRECT_PORT)).is_ok() {
        return Ok(DEFAULT_REDIRECT_PORT);
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The daemon config for the demo profile against the sandbox at `base`.
pub fn config_toml(base: &str, redirect_port: u16) -> String {
    let base = base.trim_end_matches('/');
    let quoted = |s: &str| toml_string(s);
    format!(
        "# Written by `pdauth demo`; removed when the demo ends.\n\
         [profiles.demo]\n\
         client_id = \"pdauth-demo\"\n\
         redirect_uri = {redirect}\n\
         scopes = [\"read\", \"write\"]\n\
         authorize_url = {authorize}\n\
         token_url = {token}\n\
         revoke_url = {revoke}\n\
         api_url = {api}\n",
        redirect = quoted(&format!("http://127.0.0.1:{redirect_port}/callback")),
        authorize = quoted(&format!("{base}/oauth/authorize")),
        token = quoted(&format!("{base}/oauth/token")),
        revoke = quoted(&format!("{base}/oauth/revoke")),
        api = quoted(base),
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The running demo: its directory and children.
struct Session {
    dir: tempfile::TempDir,
    sim: Option<Child>,
    daemon: Option<Child>,
}

impl Session {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log(&self, name: &str) -> Result<fs::File, CliError> {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(name))
            .map_err(|e| CliError::failure(format!("cannot create the demo log: {e}")))
    }

    async fn start_sim(&mut self, bins: &Binaries, redirect_port: u16) -> Result<String, CliError> {
        let mut cmd = Command::new(&bins.sim);
        cmd.arg("--addr").arg("127.0.0.1:0");
        if redirect_port != DEFAULT_REDIRECT_PORT {
            cmd.arg("--client")
                .arg(format!("pdauth-demo=http://127.0.0.1:{redirect_port}/callback"));
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(self.log("sim.log")?)
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| CliError::failure(format!("cannot start {}: {e}", bins.sim.display())))?;
        let stdout = child.stdout.take();
        self.sim = Some(child);
        let Some(stdout) = stdout else {
            return Err(CliError::failure("the sandbox's output is not readable"));
        };
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(SIM_DEADLINE, lines.next_line()).await;
        let base = match first {
            Ok(Ok(Some(line))) => line.trim().to_string(),
            Ok(Ok(None)) => return Err(CliError::failure("the sandbox exited before printing its URL")),
            Ok(Err(e)) => return Err(CliError::failure(format!("reading the sandbox's URL failed: {e}"))),
            Err(_) => {
                return Err(CliError::failure(format!(
                    "the sandbox did not print its URL within {} s",
                    SIM_DEADLINE.as_secs()
                )));
            }
        };
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(CliError::failure(format!(
                "the sandbox printed {base:?} instead of its URL"
            )));
        }
        // Keep draining its stdout so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(base)
    }

    async fn start_daemon(&mut self, bins: &Binaries) -> Result<PathBuf, CliError> {
        let socket = self.path("pdauthd.sock");
        let state = self.path("state");
        fs::create_dir(&state)
            .and_then(|()| fs::set_permissions(&state, fs::Permissions::from_mode(0o700)))
            .map_err(|e| CliError::failure(format!("cannot create the demo state directory: {e}")))?;
        let child = Command::new(&bins.daemon)
            .arg("--config")
            .arg(self.path("config.toml"))
            .arg("--state-dir")
            .arg(&state)
            .arg("--socket")
            .arg(&socket)
            .env_remove("CREDENTIALS_DIRECTORY")
            .stdin(Stdio::null())
            .stdout(self.log("pdauthd.log")?)
            .stderr(self.log("pdauthd.log")?)
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| CliError::failure(format!("cannot start {}: {e}", bins.daemon.display())))?;
        self.daemon = Some(child);

        let deadline = Instant::now() + DAEMON_DEADLINE;
        loop {
            if let Some(daemon) = self.daemon.as_mut() {
                if let Ok(Some(status)) = daemon.try_wait() {
                    return Err(CliError::new(
                        exit::DAEMON_UNREACHABLE,
                        format!("pdauthd exited during start-up ({status})"),
                    ));
                }
            }
            if let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_secs(2), Connection::connect(&socket)).await {
                if let Ok(Response::Pong { .. }) = conn.request(Request::Ping).await {
                    return Ok(socket);
                }
            }
            if Instant::now() >= deadline {
                return Err(CliError::new(
                    exit::DAEMON_UNREACHABLE,
                    format!(
                        "pdauthd did not answer on {} within {} s",
                        socket.display(),
                        DAEMON_DEADLINE.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM both children, SIGKILL whatever is left after the grace period.
    async fn stop(&mut self) {
        for child in [self.daemon.as_mut(), self.sim.as_mut()].into_iter().flatten() {
            terminate(child).await;
        }
    }

    /// Copy the logs out of the directory that is about to be removed.
    fn keep_logs(&self) -> Option<(PathBuf, String)> {
        let mut text = String::new();
        for name in ["pdauthd.log", "sim.log"] {
            if let Ok(content) = fs::read_to_string(self.path(name)) {
                text.push_str(&format!("==> {name} <==\n{content}\n"));
            }
        }
        let kept = tempfile::Builder::new()
            .prefix("pdauth-demo-")
            .suffix(".log")
            .tempfile()
            .ok()?;
        let (mut file, path) = kept.keep().ok()?;
        io::Write::write_all(&mut file, text.as_bytes()).ok()?;
        let tail = tail_of(&mut file, 2_000).unwrap_or_default();
        Some((path, tail))
    }
}

fn tail_of(file: &mut fs::File, max: u64) -> io::Result<String> {
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(max)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn terminate(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let pid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

/// Run the whole demo; returns once the UI is closed and everything is
/// cleaned up.
pub async fn run() -> Result<(), CliError> {
    let bins = Binaries::next_to_self()?;
    let dir = tempfile::Builder::new()
        .prefix("pdauth-demo-")
        .tempdir()
        .map_err(|e| CliError::failure(format!("cannot create a temporary directory: {e}")))?;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700))
        .map_err(|e| CliError::failure(format!("cannot protect the temporary directory: {e}")))?;
    let mut session = Session {
        dir,
        sim: None,
        daemon: None,
    };

    let result = tokio::select! {
        result = start_and_run(&mut session, &bins) => result,
        _ = tokio::signal::ctrl_c() => Err(CliError::failure("interrupted")),
    };
    session.stop().await;
    match result {
        Ok(()) => Ok(()),
        Err(err) => {
            let extra = match session.keep_logs() {
                Some((path, tail)) if !tail.trim().is_empty() => {
                    format!(
                        "\nlast lines of the logs:\n{}\nfull logs: {}",
                        tail.trim_end(),
                        path.display()
                    )
                }
                Some((path, _)) => format!("\nlogs: {}", path.display()),
                None => String::new(),
            };
            Err(CliError {
                code: err.code,
                message: format!("{}{extra}", err.message),
            })
        }
    }
}

async fn start_and_run(session: &mut Session, bins: &Binaries) -> Result<(), CliError> {
    let port = pick_redirect_port().map_err(|e| CliError::failure(format!("cannot pick a redirect port: {e}")))?;
    let base = session.start_sim(bins, port).await?;
    fs::write(session.path("config.toml"), config_toml(&base, port))
        .map_err(|e| CliError::failure(format!("cannot write the demo config: {e}")))?;
    let socket = session.start_daemon(bins).await?;
    runtime::run(runtime::Options { socket, demo: true })
        .await
        .map_err(|e| CliError::failure(format!("{e:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_every_endpoint() {
        let text = config_toml("http://127.0.0.1:4242/", 8976);
        assert!(text.contains("[profiles.demo]"));
        assert!(text.contains("client_id = \"pdauth-demo\""));
        assert!(text.contains("redirect_uri = \"http://127.0.0.1:8976/callback\""));
        assert!(text.contains("scopes = [\"read\", \"write\"]"));
        assert!(text.contains("authorize_url = \"http://127.0.0.1:4242/oauth/authorize\""));
        assert!(text.contains("token_url = \"http://127.0.0.1:4242/oauth/token\""));
        assert!(text.contains("revoke_url = \"http://127.0.0.1:4242/oauth/revoke\""));
        assert!(text.contains("api_url = \"http://127.0.0.1:4242\"\n"));
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }

    #[test]
    fn missing_binaries_say_how_to_build_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = Binaries::in_dir(dir.path()).unwrap_err();
        assert!(err.message.contains("pdauth-sim not found"), "{}", err.message);
        assert!(err.message.contains("cargo build --release"));
    }
}
