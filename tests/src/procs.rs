//! The real binaries as child processes: the sandbox, the daemon with a
//! config written for it, and `pdauth` invocations. Children are killed when
//! dropped; logs go to files in the test's temp dir for post-mortems.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{DEADLINE, bin, eventually};

/// A running `pdauth-sim`.
pub struct SimProcess {
    child: Child,
    pub base: String,
    pub log: PathBuf,
    http: reqwest::Client,
}

impl SimProcess {
    /// Start the sandbox with extra flags; waits for its base URL.
    pub async fn start(dir: &Path, flags: &[String]) -> Self {
        let log = dir.join("sim.log");
        let mut child = Command::new(bin("pdauth-sim"))
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("sim log"))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn pdauth-sim");
        let stdout = child.stdout.take().expect("sim stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .expect("sandbox printed its URL in time")
            .expect("read sandbox stdout")
            .expect("sandbox printed a line");
        assert!(base.starts_with("http"), "unexpected first line {base:?}");
        // Keep draining stdout so the sandbox never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        // In TLS mode, trust the sandbox's CA for the hooks.
        let mut builder = reqwest::Client::builder();
        if let Some(pos) = flags.iter().position(|f| f == "--ca-out") {
            let pem = std::fs::read(&flags[pos + 1]).expect("sandbox CA file");
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA PEM"));
        }
        let http = builder.build().expect("HTTP client");
        Self { child, base, log, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(self.url("/_sim/stats"))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("stats json")
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("sim hook");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    /// `GET /users/me` with a bearer token: the HTTP status.
    pub async fn users_me(&self, token: &str) -> u16 {
        self.http
            .get(self.url("/users/me"))
            .bearer_auth(token)
            .header("Accept", "application/vnd.pagerduty+json;version=2")
            .send()
            .await
            .expect("users/me")
            .status()
            .as_u16()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A profile as the daemon's config file describes it, pointed at a sandbox.
pub fn profile_toml(name: &str, base: &str, client_id: &str, port: u16, extra: &str) -> String {
    format!(
        "[profiles.{name}]\nclient_id = \"{client_id}\"\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\n\
         scopes = [\"read\", \"write\"]\nauthorize_url = \"{base}/oauth/authorize\"\ntoken_url = \"{base}/oauth/token\"\n\
         revoke_url = \"{base}/oauth/revoke\"\napi_url = \"{base}\"\n{extra}\n"
    )
}

/// A running `pdauthd` with its own temp paths.
pub struct DaemonProcess {
    child: Option<Child>,
    pub config: PathBuf,
    pub state: PathBuf,
    pub socket: PathBuf,
    pub log: PathBuf,
    env: Vec<(String, String)>,
}

impl DaemonProcess {
    pub async fn start(dir: &Path, config: &str) -> Self {
        Self::start_with_env(dir, config, &[]).await
    }

    pub async fn start_with_env(dir: &Path, config: &str, env: &[(&str, &str)]) -> Self {
        let config_path = dir.join("config.toml");
        std::fs::write(&config_path, config).expect("write config");
        let mut d = Self {
            child: None,
            config: config_path,
            state: dir.join("state"),
            socket: dir.join("run/pdauthd.sock"),
            log: dir.join("pdauthd.log"),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        d.spawn().await;
        d
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("daemon log");
        let mut cmd = Command::new(bin("pdauthd"));
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--state-dir")
            .arg(&self.state)
            .arg("--socket")
            .arg(&self.socket)
            .env_remove("CREDENTIALS_DIRECTORY")
            .env_remove("PDAUTH_SOCKET")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn pdauthd");
        self.child = Some(child);
        let socket = self.socket.clone();
        let log = self.log.clone();
        eventually("pdauthd to accept connections", || {
            let socket = socket.clone();
            let log = log.clone();
            async move {
                if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                    return Some(());
                }
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                assert!(!text.contains("pdauthd: "), "pdauthd failed to start:\n{text}");
                None
            }
        })
        .await;
    }

    /// Send SIGTERM and wait; returns the exit status.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("daemon running");
        if let Some(pid) = child.id() {
            let pid = rustix::process::Pid::from_raw(pid as i32).expect("pid");
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        tokio::time::timeout(DEADLINE, child.wait())
            .await
            .expect("pdauthd stopped in time")
            .expect("wait")
    }

    /// Kill without warning (SIGKILL).
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Start again with the same paths.
    pub async fn restart(&mut self) {
        if self.child.is_some() {
            self.terminate().await;
        }
        self.spawn().await;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Run `pdauth --socket <this daemon> args...` to completion.
    pub async fn pdauth(&self, args: &[&str]) -> Output {
        pdauth(&self.socket, args).await
    }
}

/// What a `pdauth` run printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// Run `pdauth --socket SOCKET args...`.
pub async fn pdauth(socket: &Path, args: &[&str]) -> Output {
    let out = tokio::time::timeout(
        DEADLINE,
        Command::new(bin("pdauth"))
            .arg("--socket")
            .arg(socket)
            .args(args)
            .env_remove("PDAUTH_SOCKET")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("pdauth finished in time")
    .expect("run pdauth");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `pdauth login PROFILE --no-browser` started in the background; its first
/// stdout line is the authorize URL.
pub struct LoginRun {
    child: Child,
    pub url: String,
}

impl LoginRun {
    pub async fn start(socket: &Path, profile: &str) -> Self {
        let mut child = Command::new(bin("pdauth"))
            .arg("--socket")
            .arg(socket)
            .args(["login", profile, "--no-browser"])
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn pdauth login");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .expect("pdauth login printed the URL in time")
            .expect("read stdout")
            .expect("a URL line");
        Self { child, url }
    }

    pub async fn finish(mut self) -> Output {
        let out = tokio::time::timeout(DEADLINE, async {
            let status = self.child.wait().await.expect("wait");
            let mut stderr = String::new();
            if let Some(mut e) = self.child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = e.read_to_string(&mut stderr).await;
            }
            (status, stderr)
        })
        .await
        .expect("pdauth login finished in time");
        Output {
            code: out.0.code(),
            stdout: self.url.clone(),
            stderr: out.1,
        }
    }
}

/// Give a process a moment to notice something, for checks that must show
/// an absence (nothing happened) rather than wait for a presence.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}
