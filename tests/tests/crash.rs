//! The real daemon killed or stopped at awkward moments during refreshes,
//! against the sandbox's strict rotation: after every restart the stored
//! refresh token is the sandbox's current one, or the profile says exactly
//! why not; nothing loops; SIGTERM lets a refresh finish and commit.

use std::time::Duration;

use pdauth_common::{Event, Reply, Request, Response, TokenState};
use pdauth_daemon::crypto::load_key;
use pdauth_daemon::store::Store;
use pdauth_tests::eventually;
use pdauth_tests::rig::Rig;
use pdauth_tests::wire::WireClient;
use secrecy::ExposeSecret;
use serde_json::json;

async fn login(r: &Rig) {
    let mut c = r.client().await;
    r.login(&mut c).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_the_answer_and_the_commit_is_reported_after_restart() {
    let mut r = Rig::start(&[]).await;
    login(&r).await;
    r.sim
        .post("/_sim/faults/token", json!({"mode": "delay_after", "delay_ms": 5000}))
        .await;
    let socket = r.daemon.socket.clone();
    let pending = tokio::spawn(async move {
        let mut c = WireClient::connect(&socket).await;
        c.call(Request::Refresh { profile: "work".into() }).await
    });
    // The sandbox has rotated the token; its answer is still on the way.
    eventually("the refresh to reach the sandbox", || async {
        (r.refresh_requests().await == 1).then_some(())
    })
    .await;
    r.daemon.kill().await;
    drop(pending);
    r.daemon.restart().await;
    let s = eventually("the interrupted refresh to be resolved", || async {
        let s = r.status().await;
        (s.state == TokenState::NeedsLogin).then_some(s)
    })
    .await;
    assert!(s.reason.as_deref().unwrap_or_default().contains("interrupted"), "{s:?}");
    assert_eq!(r.refresh_requests().await, 2, "exactly one attempt after the restart");
    // No loop: nothing more is sent while the profile waits for a login.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(r.refresh_requests().await, 2);
    // And a login repairs it.
    login(&r).await;
    assert_eq!(r.status().await.state, TokenState::Valid);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_slow_refresh_waits_commits_and_exits_cleanly() {
    let mut r = Rig::start(&[]).await;
    login(&r).await;
    r.sim
        .post("/_sim/faults/token", json!({"mode": "delay", "delay_ms": 2000}))
        .await;
    let mut watcher = WireClient::connect(&r.daemon.socket).await;
    watcher.call(Request::Subscribe).await;
    let socket = r.daemon.socket.clone();
    let pending = tokio::spawn(async move {
        let mut c = WireClient::connect(&socket).await;
        c.call(Request::Refresh { profile: "work".into() }).await
    });
    watcher
        .wait_event(|e| matches!(e, Event::Health { status } if status.state == TokenState::Refreshing).then_some(()))
        .await;
    let exit = r.daemon.terminate().await;
    assert!(exit.success(), "pdauthd exits 0 after draining: {exit}");
    match pending.await.unwrap() {
        Reply::Ok(Response::Refreshed { status }) => assert_eq!(status.state, TokenState::Valid),
        other => panic!("the refresh in flight was answered before the exit: {other:?}"),
    }
    r.daemon.restart().await;
    let s = r.status().await;
    assert_eq!(s.state, TokenState::Valid, "{s:?}");
    assert!(s.last_refresh.as_ref().is_some_and(|l| l.ok), "{s:?}");
    let mut c = WireClient::connect(&r.daemon.socket).await;
    let token = match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => access_token,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        r.sim.users_me(&token).await,
        200,
        "the committed token is the sandbox's current one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plans_survive_a_restart() {
    let mut r = Rig::start(&[]).await;
    login(&r).await;
    let before = r.status().await;
    r.daemon.restart().await;
    let after = r.status().await;
    assert_eq!(after.state, TokenState::Valid);
    assert!(after.next_refresh_at.is_some(), "{after:?}");
    assert_eq!(after.expires_at, before.expires_at);
    assert_eq!(r.refresh_requests().await, 0, "never refreshed just in case at startup");
}

/// What the store says about `work`, read directly while the daemon is down.
fn stored(state: &std::path::Path) -> (Option<String>, Option<String>, bool) {
    let key = load_key(state, None, false).key.ok_or_else(String::new);
    let (store, _) = Store::open(state, key).expect("store opens");
    match store.load("work").expect("load") {
        Some(Ok(rec)) => (
            rec.refresh_token.map(|t| t.expose_secret().to_string()),
            rec.problem,
            rec.refresh_intent_at.is_some(),
        ),
        Some(Err(e)) => panic!("unreadable: {e:?}"),
        None => (None, None, false),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_moments_the_store_never_loses_track() {
    let mut r = Rig::start(&["--access-ttl", "2"]).await;
    login(&r).await;
    // A fixed sequence of "random" moments, so a failure can be replayed.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut outcomes = std::collections::BTreeMap::<String, u32>::new();
    for round in 0..10 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Widen the windows a crash can fall into: the answer arriving late
        // after the rotation, or the request arriving late before it.
        let mode = if round % 2 == 0 { "delay_after" } else { "delay" };
        r.sim.post("/_sim/faults/clear", json!({})).await;
        r.sim
            .post(
                "/_sim/faults/token",
                json!({"mode": mode, "delay_ms": 600, "times": 100}),
            )
            .await;
        let before_kill = Duration::from_millis(300 + x % 2000);
        tokio::time::sleep(before_kill).await;
        r.daemon.kill().await;
        let (refresh_token, problem, intent) = stored(&r.daemon.state);
        let introspection = match &refresh_token {
            Some(t) => r.sim.post("/_sim/introspect", json!({"token": t})).await,
            None => json!({"state": "none"}),
        };
        let live = introspection["state"] == "live";
        *outcomes
            .entry(format!("{} intent={intent}", introspection["state"]))
            .or_default() += 1;
        eprintln!(
            "round {round} ({mode}): killed after {before_kill:?}: stored token {}, intent {intent}",
            introspection["state"]
        );
        r.sim.post("/_sim/faults/clear", json!({})).await;
        r.daemon.restart().await;
        if live {
            continue;
        }
        // Not the sandbox's current token: the profile must say exactly why.
        assert!(
            problem.is_some() || intent,
            "round {round}: stored refresh token is {} without an intent or a reason",
            introspection["state"]
        );
        let s = eventually("the profile to explain itself", || async {
            let s = r.status().await;
            matches!(
                s.state,
                TokenState::NeedsLogin | TokenState::Valid | TokenState::Expiring
            )
            .then_some(s)
        })
        .await;
        if s.state == TokenState::NeedsLogin {
            let reason = s.reason.clone().unwrap_or_default();
            assert!(
                reason.contains("interrupted") || reason.contains("rejected"),
                "round {round}: unexplained: {reason}"
            );
            login(&r).await;
        }
    }
    eprintln!("outcomes: {outcomes:?}");
    assert!(
        r.refresh_requests().await >= 4,
        "the loop really raced against refreshes"
    );
}
