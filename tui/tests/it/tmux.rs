//! The real terminal UI driven through tmux at 80x24: the Tokens screen, keys,
//! the help overlay, the login URL copied whole, the daemon-missing screen and
//! its recovery, and the terminal restored on exit. Skipped (with a reason)
//! only when tmux is missing outside CI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pdauth_common::Request;

use crate::cli::BIN;
use crate::fake::{self, FakeDaemon, LoginScript, State};

pub(crate) const DEADLINE: Duration = Duration::from_secs(20);

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether to run: tmux present, or fail loudly in CI.
pub(crate) fn should_run(test: &str) -> bool {
    if tmux_available() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{test}: tmux is required in CI but was not found");
    }
    eprintln!("skipping {test}: tmux is not installed (install it to run the terminal tests)");
    false
}

/// One private tmux server with one 80x24 session running `pdauth`.
pub(crate) struct Tmux {
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Tmux {
    /// Start `pdauth --socket SOCKET` in a detached session. When it exits,
    /// the shell records its terminal settings and exit code, then idles so
    /// the pane (and its cursor state) can still be inspected.
    pub(crate) fn start(daemon_socket: &Path) -> Tmux {
        Self::start_args(&format!("--socket '{}'", daemon_socket.display()))
    }

    /// Start `pdauth ARGS` (already shell-quoted) in a detached session.
    pub(crate) fn start_args(args: &str) -> Tmux {
        let dir = tempfile::Builder::new().prefix("pdauth-tmux-").tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let tmux = Tmux { dir, socket };
        let script = format!(
            "unset PDAUTH_SOCKET DISPLAY WAYLAND_DISPLAY; '{bin}' {args}; rc=$?; stty -a > '{stty}'; echo $rc > '{code}'; sleep 120",
            bin = BIN,
            code = tmux.file("exit-code").display(),
            stty = tmux.file("stty").display(),
        );
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "ui",
            "-x",
            "80",
            "-y",
            "24",
            "sh",
            "-c",
            &script,
        ]);
        tmux
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "ui"])
    }

    /// The screen with soft-wrapped lines joined, as a mouse copy sees it.
    fn joined(&self) -> String {
        self.run(&["capture-pane", "-p", "-J", "-t", "ui"])
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ui"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn pane(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", "ui", format])
            .trim()
            .to_string()
    }

    /// Poll the screen until `pred` holds; panic with the screen otherwise.
    pub(crate) fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A profile can browse, so the UI opens on the incidents: wait for
    /// them, then go to the Tokens screen with `:tokens`.
    pub(crate) fn to_tokens(&self) -> String {
        self.wait_for("the incidents screen", |s| {
            s.contains("Incidents") && s.contains("incidents")
        });
        self.keys(&[":", "tokens", "Enter"]);
        self.wait_for("the Tokens screen", |s| {
            s.contains("Tokens") && !s.contains("Incidents")
        })
    }

    /// Wait for pdauth to exit; check it left the terminal as it found it.
    pub(crate) fn assert_exited_cleanly(&self) {
        let start = Instant::now();
        let code = loop {
            if let Ok(text) = std::fs::read_to_string(self.file("exit-code")) {
                if text.ends_with('\n') {
                    break text;
                }
            }
            if start.elapsed() > DEADLINE {
                panic!("pdauth did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(code.trim(), "0", "exit code");
        let stty = std::fs::read_to_string(self.file("stty")).unwrap();
        // Raw mode off again: canonical input and echo are back.
        assert!(stty.split_whitespace().any(|w| w == "icanon"), "{stty}");
        assert!(stty.split_whitespace().any(|w| w == "echo"), "{stty}");
        assert!(
            !stty.split_whitespace().any(|w| w == "-icanon" || w == "-echo"),
            "{stty}"
        );
        // Back on the normal screen with a visible cursor.
        assert_eq!(self.pane("#{alternate_on}"), "0", "alternate screen left");
        assert_eq!(self.pane("#{cursor_flag}"), "1", "cursor shown");
        assert!(!self.screen().contains("Tokens"), "UI gone from the screen");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// The fake daemon runs on its own worker threads while the test thread
/// polls tmux.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub(crate) fn selected_line(screen: &str) -> Option<String> {
    screen.lines().find(|l| l.contains('›')).map(str::to_string)
}

#[test]
fn tokens_screen_keys_help_and_quit() {
    if !should_run("tokens_screen_keys_help_and_quit") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start());
    let tmux = Tmux::start(&daemon.socket);
    tmux.to_tokens();
    let screen = tmux.wait_for("the Tokens screen", |s| {
        s.contains("Tokens") && s.contains("work") && s.contains("staging") && s.contains("sandbox")
    });
    assert!(screen.contains("connected to pdauthd 0.1.0-fake"), "{screen}");
    assert!(screen.contains("needs login"), "{screen}");
    assert!(screen.contains("Ada Lovelace"), "{screen}");
    assert!(screen.contains("sorted by name (s)"), "{screen}");
    assert!(screen.contains("1 needs attention (n)"), "{screen}");
    assert!(screen.contains("NEXT REFRESH"), "{screen}");
    assert!(
        selected_line(&screen).is_some_and(|l| l.contains("sandbox")),
        "by name: {screen}"
    );

    tmux.keys(&["j"]);
    tmux.wait_for("the cursor on staging", |s| {
        selected_line(s).is_some_and(|l| l.contains("staging"))
    });

    tmux.keys(&["G", "s"]);
    let severity = tmux.wait_for("the list by severity", |s| s.contains("sorted by severity (s)"));
    let rows: Vec<&str> = severity
        .lines()
        .filter(|l| ["work", "staging", "sandbox"].iter().any(|n| l.contains(n)))
        .collect();
    assert!(rows[0].contains("staging") && rows[2].contains("sandbox"), "{severity}");
    assert!(
        selected_line(&severity).is_some_and(|l| l.contains("work")),
        "the cursor stayed: {severity}"
    );
    tmux.keys(&["n"]);
    tmux.wait_for("the cursor on the profile needing attention", |s| {
        selected_line(s).is_some_and(|l| l.contains("staging"))
    });

    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", |s| {
        s.contains("Keys: Tokens") && s.contains("log in to the selected profile")
    });
    tmux.keys(&["?"]);
    tmux.wait_for("the help closed", |s| !s.contains("Keys: Tokens"));

    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

#[test]
fn login_url_copies_whole_and_escape_cancels() {
    if !should_run("login_url_copies_whole_and_escape_cancels") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start_with(State {
        login: LoginScript::Never,
        ..State::default()
    }));
    let tmux = Tmux::start(&daemon.socket);
    tmux.to_tokens();
    tmux.wait_for("the Tokens screen", |s| s.contains("staging"));
    tmux.keys(&["j", "l"]);
    tmux.wait_for("the login dialog", |s| {
        s.contains("Waiting for approval in the browser")
    });
    let url = fake::authorize_url("staging");
    assert!(url.len() > 80, "the test needs a URL that wraps");
    let joined = tmux.joined();
    assert!(
        joined.lines().any(|l| l.trim_end() == url),
        "the URL is one soft-wrapped line:\n{joined}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the dialog closed", |s| s.contains("cancelled"));
    let cancel = Request::CancelLogin {
        profile: "staging".into(),
    };
    let start = Instant::now();
    while !daemon.seen().contains(&cancel) && start.elapsed() < DEADLINE {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.seen().contains(&cancel), "{:?}", daemon.seen());
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

#[test]
fn login_completion_closes_the_dialog() {
    if !should_run("login_completion_closes_the_dialog") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start_with(State {
        login: LoginScript::Complete(Duration::from_millis(1500)),
        ..State::default()
    }));
    let tmux = Tmux::start(&daemon.socket);
    tmux.to_tokens();
    tmux.wait_for("the Tokens screen", |s| s.contains("staging"));
    tmux.keys(&["j", "l"]);
    tmux.wait_for("the login dialog", |s| s.contains("Waiting for approval"));
    let screen = tmux.wait_for("the success message", |s| s.contains("Logged in: staging"));
    assert!(!screen.contains("Waiting for approval"), "{screen}");
    tmux.wait_for("staging valid", |s| {
        s.lines().any(|l| l.contains("staging") && l.contains("valid"))
    });
    tmux.keys(&["C-c"]);
    tmux.assert_exited_cleanly();
}

#[test]
fn missing_daemon_is_explained_and_recovered_from() {
    if !should_run("missing_daemon_is_explained_and_recovered_from") {
        return;
    }
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pdauthd.sock");
    let tmux = Tmux::start(&socket);
    tmux.wait_for("the not-running message", |s| {
        s.contains("pdauthd is not running") && s.contains("systemctl --user start")
    });

    // The daemon appears: the UI recovers by itself.
    let mut daemon = rt.block_on(FakeDaemon::start_at(&socket, State::default()));
    tmux.wait_for("the incidents of the profile that can browse", |s| {
        s.contains("Incidents") && s.contains("Checkout latency")
    });

    // And goes away again.
    daemon.stop();
    tmux.wait_for("the not-running message again", |s| {
        s.contains("pdauthd is not running")
    });

    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

#[test]
fn revoke_asks_then_reports() {
    if !should_run("revoke_asks_then_reports") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start());
    let tmux = Tmux::start(&daemon.socket);
    tmux.to_tokens();
    tmux.wait_for("the Tokens screen", |s| s.contains("work"));
    // work is last by name.
    tmux.keys(&["G", "x"]);
    tmux.wait_for("the confirmation", |s| {
        s.contains("Revoke work?") && s.contains("deletes the tokens from this machine")
    });
    assert!(!daemon.seen().iter().any(|r| matches!(r, Request::Revoke { .. })));
    tmux.keys(&["y"]);
    tmux.wait_for("the outcome", |s| s.contains("PagerDuty confirmed the revocation"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("work logged out", |s| {
        s.lines().any(|l| l.contains("work") && l.contains("logged out"))
    });
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

/// The sandbox and daemon binaries `pdauth demo` starts, if built.
pub(crate) fn demo_binaries_built(test: &str) -> bool {
    let dir = Path::new(BIN).parent().expect("binary directory");
    let missing: Vec<&str> = ["pdauthd", "pdauth-sim"]
        .into_iter()
        .filter(|name| !dir.join(name).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{test}: {missing:?} not built next to pdauth (run cargo test --workspace)");
    }
    eprintln!("skipping {test}: {missing:?} not built (run cargo test --workspace)");
    false
}

#[test]
fn real_demo_logs_in_with_terminal_approval_and_revokes() {
    let test = "real_demo_logs_in_with_terminal_approval_and_revokes";
    if !should_run(test) || !demo_binaries_built(test) {
        return;
    }
    let tmux = Tmux::start_args("demo");
    tmux.wait_for("the demo profile", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
    });
    tmux.keys(&["l"]);
    tmux.wait_for("the login dialog", |s| {
        s.contains("Waiting for approval") && s.contains("/oauth/authorize?")
    });
    tmux.keys(&["a"]);
    let screen = tmux.wait_for("the profile valid", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("valid"))
    });
    assert!(screen.contains("acme-sand"), "the account is shown: {screen}");
    tmux.keys(&["x"]);
    tmux.wait_for("the revoke confirmation", |s| s.contains("Revoke demo?"));
    tmux.keys(&["y"]);
    tmux.wait_for("the outcome", |s| s.contains("PagerDuty confirmed the revocation"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("demo logged out again", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
    });
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

/// Pids of the processes whose parent is `parent`, with their command names.
fn children_of(parent: i32) -> Vec<(i32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<i32>().ok());
        if ppid == Some(parent) {
            out.push((pid, comm));
        }
    }
    out
}

/// Whether `pid` still runs (a zombie does not).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rfind(')').map(|i| stat[i + 1..].trim_start().starts_with('Z')))
        .is_some_and(|zombie| !zombie)
}

fn wait_until(what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn killed_demo_takes_its_children_along_and_the_next_demo_cleans_up() {
    let test = "killed_demo_takes_its_children_along_and_the_next_demo_cleans_up";
    if !should_run(test) || !demo_binaries_built(test) {
        return;
    }
    let first = Tmux::start_args("demo");
    first.wait_for("the demo profile", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
    });
    let shell: i32 = first.pane("#{pane_pid}").parse().unwrap();
    let pdauth = children_of(shell)
        .into_iter()
        .find(|(_, comm)| comm == "pdauth")
        .map(|(pid, _)| pid)
        .expect("pdauth under the pane's shell");
    let kids = children_of(pdauth);
    let mut names: Vec<&str> = kids.iter().map(|(_, c)| c.as_str()).collect();
    names.sort();
    assert_eq!(names, ["pdauth-sim", "pdauthd"], "{kids:?}");
    let daemon = kids.iter().find(|(_, c)| c == "pdauthd").unwrap().0;
    let cmdline = std::fs::read(format!("/proc/{daemon}/cmdline")).unwrap();
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let state = args
        .iter()
        .position(|a| a == "--state-dir")
        .map(|i| PathBuf::from(&args[i + 1]));
    let demo_dir = state
        .and_then(|s| s.parent().map(Path::to_path_buf))
        .expect("the demo directory");
    assert!(demo_dir.exists());

    let pid = rustix::process::Pid::from_raw(pdauth).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
    wait_until("the sandbox and the daemon to die with pdauth", || {
        kids.iter().all(|(pid, _)| !running(*pid))
    });
    assert!(demo_dir.exists(), "kill -9 leaves the directory behind");

    let second = Tmux::start_args("demo");
    second.wait_for("the second demo", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
    });
    assert!(!demo_dir.exists(), "the next demo removed {}", demo_dir.display());
    second.keys(&["q"]);
    second.assert_exited_cleanly();
}

#[test]
fn two_demos_side_by_side_both_log_in() {
    let test = "two_demos_side_by_side_both_log_in";
    if !should_run(test) || !demo_binaries_built(test) {
        return;
    }
    let demos = [Tmux::start_args("demo"), Tmux::start_args("demo")];
    for demo in &demos {
        demo.wait_for("the demo profile", |s| {
            s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
        });
        demo.keys(&["l"]);
        demo.wait_for("the login dialog", |s| s.contains("Waiting for approval"));
    }
    for demo in &demos {
        demo.keys(&["a"]);
    }
    for demo in &demos {
        demo.wait_for("the profile valid", |s| {
            s.lines().any(|l| l.contains("demo") && l.contains("valid"))
        });
        demo.keys(&["q"]);
        demo.assert_exited_cleanly();
    }
}

#[test]
fn detail_pane_refresh_filter_and_audit_screen() {
    if !should_run("detail_pane_refresh_filter_and_audit_screen") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start());
    let tmux = Tmux::start(&daemon.socket);
    tmux.to_tokens();
    tmux.wait_for("the Tokens screen", |s| s.contains("Tokens") && s.contains("work"));

    // work is last by name.
    tmux.keys(&["G", "Enter"]);
    let detail = tmux.wait_for("the detail pane with its timeline", |s| {
        s.contains("Timeline") && s.contains("token handed out")
    });
    assert!(detail.contains("login started"), "{detail}");
    assert!(!detail.contains("staging"), "only work's entries: {detail}");

    tmux.keys(&["r"]);
    tmux.wait_for("the refresh outcome and its live audit entry", |s| {
        s.contains("Refreshed work") && s.contains("refreshed")
    });
    assert!(daemon.seen().contains(&Request::Refresh { profile: "work".into() }));

    tmux.keys(&["Escape"]);
    tmux.wait_for("the Tokens screen again", |s| {
        s.contains("Tokens") && !s.contains("Timeline")
    });

    tmux.keys(&["/", "s", "t"]);
    let filtered = tmux.wait_for("the filtered list", |s| s.contains("/st"));
    assert!(
        filtered.lines().any(|l| l.contains('›') && l.contains("staging")),
        "{filtered}"
    );
    assert!(!filtered.lines().any(|l| l.contains("sandbox")), "{filtered}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("every profile again", |s| s.contains("sandbox") && !s.contains("/st"));

    tmux.keys(&["Tab"]);
    let audit = tmux.wait_for("the Audit screen", |s| {
        s.contains("Audit log") && s.contains("needs a new login")
    });
    assert!(audit.contains("staging") && audit.contains("work"), "{audit}");
    tmux.keys(&["Tab"]);
    tmux.wait_for("the Tokens screen", |s| {
        s.contains("Tokens") && !s.contains("Audit log")
    });
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}
