//! Token-endpoint answers in every shape the sandbox can produce, during a
//! real login: each is classified, nothing is stored wrongly, no panic, and
//! the daemon keeps serving.

use pdauth_common::{Event, LoginInfo, ProfileStatus, Reply, Request, Response, TokenState};
use pdauth_tests::browser::{consent, visit};
use pdauth_tests::rig::Rig;
use pdauth_tests::wire::WireClient;
use serde_json::json;

/// A sandbox, a daemon with a short request timeout, and a subscribed client.
struct Setup {
    rig: Rig,
    client: WireClient,
}

async fn rig(access_ttl: u32) -> Setup {
    let ttl = access_ttl.to_string();
    let rig = Rig::build("work", &["--access-ttl", &ttl], |config| {
        format!("[daemon]\nrequest_timeout_secs = 2\n\n{config}")
    })
    .await;
    let client = rig.client().await;
    Setup { rig, client }
}

enum Outcome {
    Completed(Box<ProfileStatus>),
    Failed(String),
}

async fn login_with_fault(r: &mut Setup, fault: serde_json::Value) -> Outcome {
    if !fault.is_null() {
        r.rig.sim.post("/_sim/faults/token", fault).await;
    }
    let login: LoginInfo = match r.client.call(Request::Login { profile: "work".into() }).await {
        Reply::Ok(Response::LoginStarted { login }) => login,
        other => panic!("{other:?}"),
    };
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    let (status, _) = visit(&location).await.unwrap();
    let outcome = r
        .client
        .wait_event(|e| match e {
            Event::LoginCompleted { .. } => Some(None),
            Event::LoginFailed { message, .. } => Some(Some(message.clone())),
            _ => None,
        })
        .await;
    match outcome {
        None => {
            assert_eq!(status, 200);
            Outcome::Completed(Box::new(status_now(r).await))
        }
        Some(message) => {
            assert_eq!(status, 400);
            Outcome::Failed(message)
        }
    }
}

async fn status_now(r: &mut Setup) -> ProfileStatus {
    match r.client.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles.into_iter().next().unwrap(),
        other => panic!("{other:?}"),
    }
}

async fn no_token(r: &mut Setup) {
    match r.client.call(Request::Token { profile: "work".into() }).await {
        Reply::Error(e) => assert_eq!(e.code, pdauth_common::ErrorCode::NeedsLogin),
        other => panic!("a failed login must not leave a token: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_classified_and_store_nothing() {
    let mut r = rig(3600).await;
    let cases = [
        (
            json!({"mode": "error_with_200", "error": "invalid_grant", "error_description": "spent"}),
            "invalid_grant",
        ),
        (json!({"mode": "html", "status": 502}), "HTML page"),
        (json!({"mode": "html", "status": 200}), "HTML page"),
        (json!({"mode": "empty"}), "empty body"),
        (json!({"mode": "truncated"}), "not a JSON object"),
        (json!({"mode": "status", "status": 503}), "temporarily_unavailable"),
        (
            json!({"mode": "status", "status": 401, "error": "invalid_client"}),
            "client was rejected",
        ),
        (json!({"mode": "redirect"}), "redirect"),
        (json!({"mode": "delay", "delay_ms": 4000}), "timed out"),
    ];
    for (fault, expect) in cases {
        match login_with_fault(&mut r, fault.clone()).await {
            Outcome::Failed(message) => assert!(message.contains(expect), "{fault}: {message}"),
            Outcome::Completed(_) => panic!("{fault}: login should have failed"),
        }
        let status = status_now(&mut r).await;
        assert_eq!(status.state, TokenState::LoggedOut, "{fault}");
        no_token(&mut r).await;
    }
    let stats = r.rig.sim.stats().await;
    assert_eq!(stats["token_moved_requests"], 0, "redirects are never followed");
    // The daemon is still fine: a clean login works.
    assert!(matches!(
        login_with_fault(&mut r, json!(null)).await,
        Outcome::Completed(_)
    ));
    assert!(!r.rig.daemon.log_text().contains("panicked"));
}

#[tokio::test(flavor = "multi_thread")]
async fn lenient_successes_are_accepted() {
    let mut r = rig(1234).await;
    match login_with_fault(&mut r, json!({"mode": "expires_in_string"})).await {
        Outcome::Completed(s) => {
            assert_eq!(s.state, TokenState::Valid);
            assert_eq!(s.expires_at.unwrap() - s.obtained_at.unwrap(), 1234);
            assert_eq!(s.scopes_granted, vec!["openid", "read", "write"]);
            assert!(s.scopes_missing.is_empty());
            assert_eq!(s.account.as_ref().unwrap().subdomain.as_deref(), Some("acme-sandbox"));
            assert!(
                s.user
                    .as_ref()
                    .unwrap()
                    .email
                    .as_deref()
                    .unwrap()
                    .ends_with("@example.com")
            );
        }
        Outcome::Failed(m) => panic!("{m}"),
    }
    match login_with_fault(&mut r, json!({"mode": "uppercase_bearer"})).await {
        Outcome::Completed(s) => assert_eq!(s.state, TokenState::Valid),
        Outcome::Failed(m) => panic!("{m}"),
    }
    // Without a refresh token the login still stands; revocation then has
    // only the access token to send.
    match login_with_fault(&mut r, json!({"mode": "no_refresh_token"})).await {
        Outcome::Completed(s) => assert_eq!(s.state, TokenState::Valid),
        Outcome::Failed(m) => panic!("{m}"),
    }
    // The grants of the two earlier logins are revoked in the background;
    // let that finish so only this revocation is counted below.
    let sim = &r.rig.sim;
    pdauth_tests::eventually("replaced grants to be revoked", || async {
        let stats = sim.stats().await;
        (stats["live_access_tokens"] == 1 && stats["live_refresh_tokens"] == 0).then_some(())
    })
    .await;
    let before = r.rig.sim.stats().await["revocations"].as_u64().unwrap();
    match r.client.call(Request::Revoke { profile: "work".into() }).await {
        Reply::Ok(Response::Revoked { outcome, .. }) => assert_eq!(outcome, pdauth_common::RevokeOutcome::Confirmed),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.rig.sim.stats().await["revocations"].as_u64().unwrap() - before, 1);
}
