//! pdauthd against an identity server that is not PagerDuty and answers in
//! ways the sandbox never does, scripted answer by answer.

use std::path::PathBuf;

use pdauth_common::{Event, Reply, Request, Response};
use pdauth_daemon::config::Config;
use pdauth_daemon::{Daemon, Options};
use pdauth_tests::browser::visit;
use pdauth_tests::fake_identity::FakeIdentity;
use pdauth_tests::rig::start_login;
use pdauth_tests::wire::WireClient;
use pdauth_tests::{eventually, free_port};
use serde_json::json;

struct Rig {
    _dir: tempfile::TempDir,
    daemon: Daemon,
    socket: PathBuf,
    fake: FakeIdentity,
}

async fn rig() -> Rig {
    let fake = FakeIdentity::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::parse(&fake.profile_toml("tp", free_port()), &dir.path().join("config.toml")).expect("config");
    let socket = dir.path().join("run/pdauthd.sock");
    let daemon = Daemon::start(Options::new(config, dir.path().join("state"), socket.clone()))
        .await
        .expect("daemon starts");
    Rig {
        _dir: dir,
        daemon,
        socket,
        fake,
    }
}

/// A login whose callback brings any code; the fake's next answer is the
/// token response.
async fn login(c: &mut WireClient) {
    let login = start_login(c, "tp").await;
    let url = url::Url::parse(&login.authorize_url).expect("authorize URL");
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let (status, page) = visit(&format!("{}?code=any-code&state={state}", login.redirect_uri))
        .await
        .expect("callback");
    assert_eq!(status, 200, "{page}");
    c.wait_event(|e| match e {
        Event::LoginCompleted { .. } => Some(()),
        Event::LoginFailed { message, .. } => panic!("login failed: {message}"),
        _ => None,
    })
    .await;
}

async fn audit_events(c: &mut WireClient, event: &str) -> usize {
    match c
        .call(Request::Audit {
            profile: Some("tp".into()),
            limit: None,
        })
        .await
    {
        Reply::Ok(Response::Audit { entries }) => entries.iter().filter(|e| e.event == event).count(),
        other => panic!("{other:?}"),
    }
}

async fn token(c: &mut WireClient) -> String {
    match c.call(Request::Token { profile: "tp".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => access_token,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_answered_with_the_same_tokens_revokes_nothing_it_holds() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.socket).await;
    c.call(Request::Subscribe).await;
    let same =
        json!({"access_token": "SAME-AT", "refresh_token": "SAME-RT", "expires_in": 3600, "token_type": "bearer"});
    r.fake.answer(same.clone());
    login(&mut c).await;
    // Some servers answer a second login with the grant they already issued.
    r.fake.answer(same);
    login(&mut c).await;
    assert_eq!(token(&mut c).await, "SAME-AT");
    // A third login with new tokens supersedes the shared grant: that one is
    // revoked, once.
    r.fake
        .answer(json!({"access_token": "NEW-AT", "refresh_token": "NEW-RT", "expires_in": 3600}));
    login(&mut c).await;
    eventually("the superseded grant's revocation", || async {
        (r.fake.revoked().len() >= 2).then_some(())
    })
    .await;
    eventually("its audit entry", || async {
        let mut c = WireClient::connect(&r.socket).await;
        (audit_events(&mut c, "replaced_revoked").await >= 1).then_some(())
    })
    .await;
    assert_eq!(r.fake.revoked(), vec!["SAME-RT", "SAME-AT"]);
    assert_eq!(audit_events(&mut c, "replaced_revoked").await, 1);
    assert_eq!(token(&mut c).await, "NEW-AT");
    assert_eq!(r.fake.token_requests(), 3);
    r.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_but_usable_token_answers_log_in() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.socket).await;
    c.call(Request::Subscribe).await;
    // Every field written, nulls included; scopes with commas; no lifetime.
    r.fake.answer(json!({
        "access_token": "AT1", "refresh_token": "RT1", "token_type": "Bearer",
        "error": null, "error_description": null, "scope": "read,write", "expires_in": 0
    }));
    login(&mut c).await;
    let status = match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles.into_iter().next().expect("tp"),
        other => panic!("{other:?}"),
    };
    assert_eq!(status.scopes_granted, vec!["read", "write"]);
    assert!(status.scopes_missing.is_empty(), "{status:?}");
    assert_eq!(
        status.expires_at.unwrap() - status.obtained_at.unwrap(),
        3600,
        "a zero lifetime is no lifetime: the default, not a refresh every second"
    );
    assert_eq!(token(&mut c).await, "AT1");
    assert_eq!(r.fake.token_requests(), 1);
    r.daemon.stop().await;
}
