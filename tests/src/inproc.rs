//! The daemon in-process (its library), against the real sandbox binary:
//! for tests that need to control the daemon's clock or put a failing disk
//! under it.

use std::path::PathBuf;
use std::sync::Arc;

use pdauth_daemon::config::Config;
use pdauth_daemon::{Daemon, Options};

use crate::free_port;
use crate::procs::{SimProcess, profile_toml};
use crate::wire::WireClient;

pub struct InProc {
    pub dir: tempfile::TempDir,
    pub sim: SimProcess,
    pub daemon: Option<Daemon>,
    pub socket: PathBuf,
    pub state: PathBuf,
    config_text: String,
}

impl InProc {
    /// Sandbox with `sim_flags` (a client `e2e` is registered) and a daemon
    /// with one profile `work`, started with `tweak` applied to its options.
    pub async fn start(sim_flags: &[&str], tweak: impl FnOnce(&mut Options)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut flags = vec!["--client".to_string(), format!("e2e=http://127.0.0.1:{port}/callback")];
        flags.extend(sim_flags.iter().map(|s| s.to_string()));
        let sim = SimProcess::start(dir.path(), &flags).await;
        let config_text = profile_toml("work", &sim.base, "e2e", port, "");
        let mut me = Self {
            socket: dir.path().join("run/pdauthd.sock"),
            state: dir.path().join("state"),
            sim,
            daemon: None,
            config_text,
            dir,
        };
        me.start_daemon(tweak).await;
        me
    }

    pub async fn start_daemon(&mut self, tweak: impl FnOnce(&mut Options)) {
        let config = Config::parse(&self.config_text, &self.dir.path().join("config.toml")).expect("config");
        let mut opts = Options::new(config, self.state.clone(), self.socket.clone());
        tweak(&mut opts);
        self.daemon = Some(Daemon::start(opts).await.expect("daemon starts"));
    }

    pub async fn stop_daemon(&mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop().await;
        }
    }

    pub fn service(&self) -> &Arc<pdauth_daemon::service::Service> {
        self.daemon.as_ref().expect("daemon running").service()
    }

    pub async fn client(&self) -> WireClient {
        WireClient::connect(&self.socket).await
    }

    /// A subscribed client, after logging `work` in.
    pub async fn logged_in(&self) -> WireClient {
        let mut c = self.client().await;
        c.call(pdauth_common::Request::Subscribe).await;
        self.login(&mut c).await;
        c
    }

    /// Log `work` in through the consent page; `c` must be subscribed.
    pub async fn login(&self, c: &mut WireClient) {
        crate::rig::login_with(c, "work").await
    }
}
