//! `pdauth demo`: a complete local setup in a private temporary directory:
//! starts the PagerDuty sandbox (on a free redirect port of its own, so demos
//! can run side by side) and a daemon configured for it, runs the terminal UI
//! with the sandbox approval offered, and stops both and removes the directory
//! on the way out. Children die with `pdauth` even when it is killed outright,
//! and directories left by such a demo are removed by the next one. Never
//! touches the user's real daemon or config.

pub mod approve;
pub mod form;

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use pdauth_common::{Request, Response};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub use approve::{Approval, ApproveError, approve_in_sandbox};

use crate::client::Connection;
use crate::exit::{self, CliError};
use crate::runtime;

/// By default the demo's sandbox opens, acknowledges or resolves an incident
/// this often, so lists visibly change while you watch.
pub const ACTIVITY_SECS: u64 = 20;
/// Prefix of the demo's temporary directories (and of kept logs).
pub const DIR_PREFIX: &str = "pdauth-demo-";
/// The file in a demo directory naming the process that owns it.
const OWNER_FILE: &str = "owner";
/// A demo directory without an owner file is left alone this long: its demo
/// may be about to write it.
const UNCLAIMED_GRACE: Duration = Duration::from_secs(600);
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

/// A free loopback port for the demo's redirect URI. Always a random one:
/// the demo's sandbox is private and is told which port to accept, so two
/// demos never compete for the same callback port.
pub fn pick_redirect_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The sandbox's `--client` registration for the demo profile.
pub fn client_flag(redirect_port: u16) -> String {
    format!("pdauth-demo=http://127.0.0.1:{redirect_port}/callback")
}

/// Have the kernel send SIGTERM to the child when this process dies, however
/// it dies (`kill -9` included), so the sandbox and the daemon never outlive
/// the demo. The signal is tied to the thread that spawns the child; the demo
/// spawns from the thread that runs it to the end.
#[allow(unsafe_code)]
pub fn die_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = rustix::process::getpid();
    // SAFETY: the hook runs in the forked child before `exec`. It makes two
    // async-signal-safe system calls (prctl, getppid) and builds an
    // `io::Error` from an error kind, which does not allocate: no locks, no
    // heap, nothing shared with the parent's other threads.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))?;
            // The parent may have died before the line above took effect.
            if rustix::process::getppid() != Some(parent) {
                return Err(io::ErrorKind::Other.into());
            }
            Ok(())
        });
    }
}

/// The kernel's start time of `pid` (clock ticks since boot), to tell a live
/// owner from a reused pid; `None` when no such process exists.
fn process_start_time(pid: i32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, start time field 22.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// `pid start_time` of this process, written into its demo directory.
fn owner_record() -> String {
    let pid = rustix::process::getpid().as_raw_nonzero().get();
    format!("{pid} {}\n", process_start_time(pid).unwrap_or(0))
}

/// Whether the process recorded in an owner file still runs.
fn owner_alive(record: &str) -> bool {
    let mut parts = record.split_whitespace();
    let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<i32>(), start.parse::<u64>()) else {
        return false;
    };
    pid > 0 && process_start_time(pid) == Some(start)
}

/// Remove demo directories in `root` that belong to `uid` and whose demo is
/// gone (killed before it could clean up). Directories of running demos,
/// other users' directories, symlinks, kept logs and anything else are left
/// alone. Returns the directories removed.
pub fn remove_stale_dirs(root: &Path, uid: u32, unclaimed_grace: Duration) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(root) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() || meta.uid() != uid {
            continue;
        }
        let stale = match fs::read_to_string(path.join(OWNER_FILE)) {
            Ok(record) => !owner_alive(&record),
            Err(_) => meta
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|age| age > unclaimed_grace),
        };
        if stale && fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
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
    /// `--activity` for the sandbox; 0 leaves it out.
    activity_secs: u64,
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
        let mut cmd = std::process::Command::new(&bins.sim);
        cmd.arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--client")
            .arg(client_flag(redirect_port));
        if self.activity_secs > 0 {
            cmd.arg("--activity").arg(self.activity_secs.to_string());
        }
        die_with_parent(&mut cmd);
        let mut child = Command::from(cmd)
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
        let mut cmd = std::process::Command::new(&bins.daemon);
        die_with_parent(&mut cmd);
        let child = Command::from(cmd)
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
            .prefix(DIR_PREFIX)
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
pub async fn run(activity_secs: u64) -> Result<(), CliError> {
    let bins = Binaries::next_to_self()?;
    let uid = rustix::process::geteuid().as_raw();
    remove_stale_dirs(&std::env::temp_dir(), uid, UNCLAIMED_GRACE);
    let dir = tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .tempdir()
        .map_err(|e| CliError::failure(format!("cannot create a temporary directory: {e}")))?;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700))
        .map_err(|e| CliError::failure(format!("cannot protect the temporary directory: {e}")))?;
    fs::write(dir.path().join(OWNER_FILE), owner_record())
        .map_err(|e| CliError::failure(format!("cannot write into the temporary directory: {e}")))?;
    let mut session = Session {
        dir,
        sim: None,
        daemon: None,
        activity_secs,
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
    fn the_redirect_port_is_random_and_registered() {
        // The sandbox's default port, even when free, is not taken: two demos
        // started together would both take it.
        if let Ok(free) = std::net::TcpListener::bind(("127.0.0.1", 8976)) {
            drop(free);
            assert_ne!(pick_redirect_port().unwrap(), 8976);
        }
        let _held = std::net::TcpListener::bind(("127.0.0.1", 8976));
        assert_ne!(pick_redirect_port().unwrap(), 0);
        assert_eq!(client_flag(40123), "pdauth-demo=http://127.0.0.1:40123/callback");
        let text = config_toml("http://127.0.0.1:4242", 40123);
        assert!(text.contains("redirect_uri = \"http://127.0.0.1:40123/callback\""));
    }

    #[test]
    fn children_die_with_the_thread_that_started_them() {
        use std::os::unix::process::ExitStatusExt;
        let mut child = std::thread::spawn(|| {
            let mut cmd = std::process::Command::new("sleep");
            cmd.arg("30");
            die_with_parent(&mut cmd);
            cmd.spawn().expect("start sleep")
        })
        .join()
        .unwrap();
        // The spawning thread is gone, as the whole process would be after a
        // kill -9: the kernel ends the child.
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    }

    #[test]
    fn stale_demo_directories_are_removed_live_ones_kept() {
        let root = tempfile::tempdir().unwrap();
        let uid = rustix::process::geteuid().as_raw();
        let make = |name: &str, owner: Option<&str>| {
            let dir = root.path().join(name);
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("config.toml"), "x").unwrap();
            if let Some(owner) = owner {
                fs::write(dir.join(OWNER_FILE), owner).unwrap();
            }
            dir
        };
        let live = make("pdauth-demo-live", Some(&owner_record()));
        let mut dead_child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = dead_child.id();
        dead_child.wait().unwrap();
        let dead = make("pdauth-demo-dead", Some(&format!("{dead_pid} 12345\n")));
        let me = rustix::process::getpid().as_raw_nonzero().get();
        let reused = make("pdauth-demo-reused", Some(&format!("{me} 1\n")));
        let garbled = make("pdauth-demo-garbled", Some("not a pid"));
        let unclaimed = make("pdauth-demo-unclaimed", None);
        let other = make("something-else", Some("1 1"));
        let log = root.path().join("pdauth-demo-x.log");
        fs::write(&log, "logs").unwrap();

        let mut removed = remove_stale_dirs(root.path(), uid, Duration::from_secs(600));
        removed.sort();
        let mut expected = vec![dead, garbled, reused];
        expected.sort();
        assert_eq!(removed, expected);
        assert!(live.exists() && unclaimed.exists() && other.exists() && log.exists());

        // Unclaimed for longer than the grace period: removed too.
        let removed = remove_stale_dirs(root.path(), uid, Duration::ZERO);
        assert_eq!(removed, vec![unclaimed]);
        // Another user's directories are never touched.
        assert!(remove_stale_dirs(root.path(), uid + 1, Duration::ZERO).is_empty());
        assert!(live.exists());
    }

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
