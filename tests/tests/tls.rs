//! A sandbox serving HTTPS with its own CA: the daemon trusts it only through
//! the profile's `ca_file`, never by accepting invalid certificates.

use pdauth_common::{Event, Reply, Request, Response, RevokeOutcome, TokenState};
use pdauth_tests::browser::{consent_trusting, visit};
use pdauth_tests::procs::{DaemonProcess, SimProcess, profile_toml};
use pdauth_tests::wire::WireClient;
use pdauth_tests::{eventually, free_port};

async fn sandbox(dir: &std::path::Path, port: u16) -> (SimProcess, std::path::PathBuf) {
    let ca = dir.join("sandbox-ca.pem");
    let sim = SimProcess::start(
        dir,
        &[
            "--tls".into(),
            "--ca-out".into(),
            ca.display().to_string(),
            "--client".into(),
            format!("e2e=http://127.0.0.1:{port}/callback"),
        ],
    )
    .await;
    assert!(sim.base.starts_with("https://127.0.0.1:"), "{}", sim.base);
    (sim, ca)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_and_revoke_over_tls_with_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, ca) = sandbox(dir.path(), port).await;
    let extra = format!("ca_file = \"{}\"", ca.display());
    let daemon = DaemonProcess::start(dir.path(), &profile_toml("work", &sim.base, "e2e", port, &extra)).await;
    let mut c = WireClient::connect(&daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = match c.call(Request::Login { profile: "work".into() }).await {
        Reply::Ok(Response::LoginStarted { login }) => login,
        other => panic!("{other:?}"),
    };
    let pem = std::fs::read(&ca).unwrap();
    let location = consent_trusting(&login.authorize_url, "approve", Some(&pem))
        .await
        .unwrap();
    assert_eq!(visit(&location).await.unwrap().0, 200);
    c.wait_event(|e| matches!(e, Event::LoginCompleted { .. }).then_some(()))
        .await;
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => {
            assert_eq!(profiles[0].state, TokenState::Valid);
            assert!(
                profiles[0].user.as_ref().and_then(|u| u.email.clone()).is_some(),
                "/users/me over TLS"
            );
        }
        other => panic!("{other:?}"),
    }
    match c.call(Request::Revoke { profile: "work".into() }).await {
        Reply::Ok(Response::Revoked { outcome, .. }) => assert_eq!(outcome, RevokeOutcome::Confirmed),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_ca_file_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, ca) = sandbox(dir.path(), port).await;
    let daemon = DaemonProcess::start(dir.path(), &profile_toml("work", &sim.base, "e2e", port, "")).await;
    let mut c = WireClient::connect(&daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = match c.call(Request::Login { profile: "work".into() }).await {
        Reply::Ok(Response::LoginStarted { login }) => login,
        other => panic!("{other:?}"),
    };
    let pem = std::fs::read(&ca).unwrap();
    let location = consent_trusting(&login.authorize_url, "approve", Some(&pem))
        .await
        .unwrap();
    assert_eq!(visit(&location).await.unwrap().0, 400);
    let message = c
        .wait_event(|e| match e {
            Event::LoginFailed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .await;
    assert!(
        message.contains("could not connect") || message.contains("certificate"),
        "{message}"
    );
    assert_eq!(
        sim.stats().await["token_requests"]["authorization_code"],
        0,
        "nothing reached the server"
    );
    let _ = eventually("no panic in the log", || {
        let text = daemon.log_text();
        async move { (!text.contains("panicked")).then_some(()) }
    })
    .await;
}
