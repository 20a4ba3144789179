//! The usual setup of an end-to-end test: the sandbox with a client `e2e`
//! registered for a free loopback port, and the real daemon with one profile
//! pointed at it, ready to log in through the consent page.

use pdauth_common::{Event, LoginInfo, ProfileStatus, Reply, Request, Response};

use crate::browser::{consent, visit};
use crate::free_port;
use crate::procs::{DaemonProcess, SimProcess, profile_toml};
use crate::wire::WireClient;

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub sim: SimProcess,
    pub daemon: DaemonProcess,
    /// The redirect port registered for client `e2e`.
    pub port: u16,
    pub profile: String,
}

impl Rig {
    /// Profile `work`, sandbox started with `sim_flags`.
    pub async fn start(sim_flags: &[&str]) -> Self {
        Self::build("work", sim_flags, |config| config).await
    }

    /// Profile `profile`; `edit` may change the daemon's config text.
    pub async fn build(profile: &str, sim_flags: &[&str], edit: impl FnOnce(String) -> String) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut flags = vec!["--client".to_string(), format!("e2e=http://127.0.0.1:{port}/callback")];
        flags.extend(sim_flags.iter().map(|s| s.to_string()));
        let sim = SimProcess::start(dir.path(), &flags).await;
        let config = edit(profile_toml(profile, &sim.base, "e2e", port, ""));
        let daemon = DaemonProcess::start(dir.path(), &config).await;
        Self {
            dir,
            sim,
            daemon,
            port,
            profile: profile.to_string(),
        }
    }

    /// A client subscribed to events.
    pub async fn client(&self) -> WireClient {
        let mut c = WireClient::connect(&self.daemon.socket).await;
        c.call(Request::Subscribe).await;
        c
    }

    pub async fn start_login(&self, c: &mut WireClient) -> LoginInfo {
        start_login(c, &self.profile).await
    }

    /// Log the profile in through the consent page.
    pub async fn login(&self, c: &mut WireClient) {
        login_with(c, &self.profile).await
    }

    pub async fn status(&self) -> ProfileStatus {
        let mut c = WireClient::connect(&self.daemon.socket).await;
        match c.call(Request::Status).await {
            Reply::Ok(Response::Status { profiles, .. }) => profiles.into_iter().next().expect("one profile"),
            other => panic!("{other:?}"),
        }
    }

    /// Refresh-token requests the sandbox has received.
    pub async fn refresh_requests(&self) -> u64 {
        self.sim.stats().await["token_requests"]["refresh_token"]
            .as_u64()
            .unwrap_or(0)
    }
}

pub async fn start_login(c: &mut WireClient, profile: &str) -> LoginInfo {
    match c
        .call(Request::Login {
            profile: profile.into(),
        })
        .await
    {
        Reply::Ok(Response::LoginStarted { login }) => login,
        other => panic!("login did not start: {other:?}"),
    }
}

/// Log `profile` in through the consent page; `c` must be subscribed.
pub async fn login_with(c: &mut WireClient, profile: &str) {
    let login = start_login(c, profile).await;
    let location = consent(&login.authorize_url, "approve").await.expect("consent");
    let (status, page) = visit(&location).await.expect("callback");
    assert_eq!(status, 200, "{page}");
    c.wait_event(|e| matches!(e, Event::LoginCompleted { .. }).then_some(()))
        .await;
}
