//! Token health as it changes without anyone asking, storage without a key,
//! and revocation the identity server does not confirm.

use pdauth_common::{ErrorCode, Event, Reply, Request, Response, RevokeOutcome, StorageInfo, TokenState};
use pdauth_tests::free_port;
use pdauth_tests::procs::{DaemonProcess, SimProcess, profile_toml};
use pdauth_tests::rig::Rig;
use pdauth_tests::wire::WireClient;

async fn logged_in(access_ttl: u32, no_revoke: bool) -> (Rig, WireClient) {
    logged_in_with(access_ttl, no_revoke, false).await
}

/// `without_refresh_token`: the identity server issues no refresh token, so
/// the access token's expiry is final.
async fn logged_in_with(access_ttl: u32, no_revoke: bool, without_refresh_token: bool) -> (Rig, WireClient) {
    let ttl = access_ttl.to_string();
    let r = Rig::build("work", &["--access-ttl", &ttl], |config| {
        if no_revoke {
            let line = config
                .lines()
                .find(|l| l.starts_with("revoke_url"))
                .unwrap_or_default()
                .to_string();
            config.replace(&line, "revoke_url = \"\"")
        } else {
            config
        }
    })
    .await;
    let mut c = r.client().await;
    if without_refresh_token {
        r.sim
            .post("/_sim/faults/token", serde_json::json!({"mode": "no_refresh_token"}))
            .await;
    }
    r.login(&mut c).await;
    (r, c)
}

#[tokio::test(flavor = "multi_thread")]
async fn expiring_then_expired_arrive_as_events_when_no_refresh_is_possible() {
    let (r, mut c) = logged_in_with(4, false, true).await;
    let daemon = &r.daemon;
    let mut seen = Vec::new();
    while !seen.contains(&TokenState::Expired) {
        let state = c
            .wait_event(|e| match e {
                Event::Health { status } => Some(status.state),
                _ => None,
            })
            .await;
        if seen.last() != Some(&state) {
            seen.push(state);
        }
    }
    let expiring = seen
        .iter()
        .position(|s| *s == TokenState::Expiring)
        .expect("expiring before expired");
    assert!(expiring < seen.len() - 1, "{seen:?}");
    let out = daemon.pdauth(&["token", "work"]).await;
    assert_eq!(out.code, Some(4), "needs login: {}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unconfirmed_revocation_still_deletes_and_says_where_to_check() {
    let (r, mut c) = logged_in(3600, false).await;
    let Rig { sim, dir: _dir, .. } = r;
    let token = match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => access_token,
        other => panic!("{other:?}"),
    };
    drop(sim); // The identity server goes away.
    match c.call(Request::Revoke { profile: "work".into() }).await {
        Reply::Ok(Response::Revoked {
            outcome: RevokeOutcome::NotConfirmed { detail },
            ..
        }) => {
            assert!(detail.contains("acme-sandbox.pagerduty.com"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Error(e) => assert_eq!(e.code, ErrorCode::NeedsLogin),
        other => panic!("deleted locally whatever the remote said: {other:?}"),
    }
    assert!(!token.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn revocation_switched_off_is_local_only() {
    let (r, mut c) = logged_in(3600, true).await;
    let sim = &r.sim;
    let before = sim.stats().await["revocations"].clone();
    match c.call(Request::Revoke { profile: "work".into() }).await {
        Reply::Ok(Response::Revoked {
            outcome: RevokeOutcome::LocalOnly { .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().await["revocations"], before);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_key_credential_refuses_to_store_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::create_dir(&creds).unwrap();
    let sim = SimProcess::start(dir.path(), &[]).await;
    let daemon = DaemonProcess::start_with_env(
        dir.path(),
        &profile_toml("work", &sim.base, "pdauth-demo", free_port(), ""),
        &[("CREDENTIALS_DIRECTORY", creds.to_str().unwrap())],
    )
    .await;
    let mut c = WireClient::connect(&daemon.socket).await;
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, storage }) => {
            assert!(
                matches!(storage, StorageInfo::Unavailable { ref reason } if reason.contains("pdauth-store-key")),
                "{storage:?}"
            );
            assert_eq!(profiles[0].state, TokenState::Error);
            assert!(profiles[0].reason.as_deref().unwrap().contains("cannot be stored"));
        }
        other => panic!("{other:?}"),
    }
    match c.call(Request::Login { profile: "work".into() }).await {
        Reply::Error(e) => {
            assert_eq!(e.code, ErrorCode::Storage);
            assert!(e.message.contains("pdauth-store-key"), "{}", e.message);
        }
        other => panic!("a login whose tokens cannot be kept must not start: {other:?}"),
    }
    assert!(
        !daemon.state.join("store.key").exists(),
        "no silent fallback to a key file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_store_key_is_reported_as_a_storage_problem_not_a_login_matter() {
    let (mut r, _c) = logged_in(3600, false).await;
    // Someone replaces the key file while pdauthd runs; the next start reads it.
    let key = r.daemon.state.join("store.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    r.daemon.restart().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, storage }) => {
            assert!(
                matches!(&storage, StorageInfo::Unavailable { reason }
                    if reason.contains("does not match") && reason.contains("store.key")),
                "{storage:?}"
            );
            assert_eq!(profiles[0].state, TokenState::Error, "{:?}", profiles[0]);
        }
        other => panic!("{other:?}"),
    }
    // A login cannot help while the key is wrong: neither command says to log in.
    for request in [
        Request::Token { profile: "work".into() },
        Request::Refresh { profile: "work".into() },
    ] {
        match c.call(request.clone()).await {
            Reply::Error(e) => {
                assert_eq!(e.code, ErrorCode::Storage, "{request:?}: {e:?}");
                assert!(
                    e.message.contains("does not match") && !e.message.contains("pdauth login"),
                    "{}",
                    e.message
                );
            }
            other => panic!("{request:?}: {other:?}"),
        }
    }
    let log = r.daemon.log_text();
    assert!(
        log.lines().any(|l| l.contains("ERROR") && l.contains("does not match")),
        "{log}"
    );
}
