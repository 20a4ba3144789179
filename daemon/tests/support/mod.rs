//! Helpers for daemon tests: a daemon in a temp dir and a raw line client.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use pdauth_daemon::config::Config;
use pdauth_daemon::{Daemon, Options};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct TestDaemon {
    pub dir: tempfile::TempDir,
    pub daemon: Option<Daemon>,
}

impl TestDaemon {
    pub async fn start(config_text: &str) -> Self {
        Self::start_with(config_text, |_| {}).await
    }

    pub async fn start_with(config_text: &str, tweak: impl FnOnce(&mut Options)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(config_text, &dir.path().join("config.toml")).unwrap();
        let mut opts = Options::new(config, dir.path().join("state"), dir.path().join("run/pdauthd.sock"));
        tweak(&mut opts);
        let daemon = Daemon::start(opts).await.unwrap();
        Self {
            dir,
            daemon: Some(daemon),
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("run/pdauthd.sock")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub async fn stop(&mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop().await;
        }
    }
}

pub struct RawClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl RawClient {
    pub async fn connect(path: &Path) -> Self {
        let stream = UnixStream::connect(path).await.unwrap();
        let (r, w) = stream.into_split();
        Self {
            reader: BufReader::new(r),
            writer: w,
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes).await?;
        self.writer.flush().await
    }

    pub async fn send(&mut self, value: Value) {
        let mut line = serde_json::to_vec(&value).unwrap();
        line.push(b'\n');
        self.send_raw(&line).await.unwrap();
    }

    /// Next frame, or `None` when the daemon closed the connection.
    pub async fn recv(&mut self) -> Option<Value> {
        let mut line = String::new();
        let n = tokio::time::timeout(DEADLINE, self.reader.read_line(&mut line))
            .await
            .expect("daemon answered in time");
        match n {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(serde_json::from_str(&line).unwrap()),
        }
    }

    pub async fn hello(path: &Path) -> Self {
        let mut c = Self::connect(path).await;
        c.send(serde_json::json!({"type": "hello", "protocol": pdauth_common::PROTOCOL_VERSION, "client": "test"}))
            .await;
        let welcome = c.recv().await.unwrap();
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        c
    }

    pub async fn request(&mut self, id: u64, request: Value) -> Value {
        self.send(serde_json::json!({"type": "request", "id": id, "request": request}))
            .await;
        loop {
            let frame = self.recv().await.expect("reply before close");
            if frame["type"] == "reply" && frame["id"] == id {
                return frame["result"].clone();
            }
        }
    }
}

pub fn simple_config() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!(
        "[profiles.work]\nclient_id = \"pdauth-demo\"\ntoken_url = \"http://127.0.0.1:9/oauth/token\"\n\
         authorize_url = \"http://127.0.0.1:9/oauth/authorize\"\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\n"
    )
}
