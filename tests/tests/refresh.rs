//! The token lifecycle with the daemon in-process against the real sandbox
//! (strict rotation): refresh on time, single flight under load, a missing
//! refresh token, storage failing at each step, invalid_grant against a
//! newer stored token, remote revocation, 401 mid-use, and a clock jump.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pdauth_common::{ErrorCode, Event, ProfileStatus, Reply, Request, Response, TokenState, WireError};
use pdauth_daemon::clock::{ManualClock, TokioClock};
use pdauth_daemon::storage::Storage;
use pdauth_daemon::store::{
    CommitError, KeyState, NewAudit, NewTokens, Retention, StoreError, TokenRecord, Unreadable,
};
use pdauth_tests::eventually;
use pdauth_tests::inproc::InProc;
use pdauth_tests::wire::WireClient;
use secrecy::SecretString;
use serde_json::json;

async fn status(c: &mut WireClient) -> ProfileStatus {
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles.into_iter().next().expect("one profile"),
        other => panic!("{other:?}"),
    }
}

async fn token(c: &mut WireClient) -> Result<String, WireError> {
    match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => Ok(access_token),
        Reply::Error(e) => Err(e),
        other => panic!("{other:?}"),
    }
}

async fn refresh(c: &mut WireClient) -> Result<ProfileStatus, WireError> {
    match c.call(Request::Refresh { profile: "work".into() }).await {
        Reply::Ok(Response::Refreshed { status }) => Ok(status),
        Reply::Error(e) => Err(e),
        other => panic!("{other:?}"),
    }
}

async fn refreshes(r: &InProc) -> u64 {
    r.sim.stats().await["token_requests"]["refresh_token"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn short_lived_tokens_are_refreshed_on_time_and_stay_valid() {
    let r = InProc::start(&["--access-ttl", "4"], |o| o.wall_check = Duration::from_secs(1)).await;
    let mut c = r.logged_in().await;
    let planned = status(&mut c).await.next_refresh_at.expect("a refresh is planned");
    assert!(planned > pdauth_daemon::clock::Clock::now(&pdauth_daemon::clock::SystemClock) - 1);
    for _ in 0..3 {
        c.wait_event(|e| matches!(e, Event::Audit { entry } if entry.event == "refresh_ok").then_some(()))
            .await;
    }
    let s = status(&mut c).await;
    assert!(
        matches!(
            s.state,
            TokenState::Valid | TokenState::Expiring | TokenState::Refreshing
        ),
        "{s:?}"
    );
    assert!(s.last_refresh.as_ref().is_some_and(|l| l.ok), "{s:?}");
    assert!(refreshes(&r).await >= 3);
    let access = token(&mut c).await.unwrap();
    assert_eq!(r.sim.users_me(&access).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_requests_with_an_expired_token_cause_one_refresh() {
    let clock = ManualClock::new(pdauth_daemon::clock::Clock::now(&pdauth_daemon::clock::SystemClock));
    let daemon_clock = clock.clone();
    let r = InProc::start(&[], move |o| o.clock = Arc::new(daemon_clock)).await;
    let mut c = r.logged_in().await;
    let before = token(&mut c).await.unwrap();
    // For the daemon the access token has now expired.
    clock.advance(3 * 3600);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let socket = r.socket.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = WireClient::connect(&socket).await;
            token(&mut c).await
        }));
    }
    let mut tokens = std::collections::BTreeSet::new();
    for t in tasks {
        tokens.insert(t.await.unwrap().expect("every caller gets a token"));
    }
    assert_eq!(tokens.len(), 1, "everyone got the one refreshed token");
    assert!(!tokens.contains(&before));
    assert_eq!(
        refreshes(&r).await,
        1,
        "exactly one refresh request reached the identity server"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_answer_without_a_refresh_token_keeps_the_old_one() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    r.sim
        .post("/_sim/faults/token", json!({"mode": "no_refresh_token"}))
        .await;
    let s = refresh(&mut c).await.unwrap();
    assert!(s.has_refresh_token, "{s:?}");
    // The kept refresh token still works.
    let s = refresh(&mut c).await.unwrap();
    assert_eq!(s.state, TokenState::Valid, "{s:?}");
    assert_eq!(refreshes(&r).await, 2);
}

/// Storage that fails on command, around the real one.
struct Flaky {
    inner: Arc<dyn Storage>,
    fail_intent: AtomicBool,
    fail_commit: AtomicBool,
    newer: Mutex<Option<TokenRecord>>,
}

impl Flaky {
    fn wrap(flaky: Arc<Mutex<Option<Arc<Flaky>>>>) -> pdauth_daemon::daemon::StorageWrapper {
        Box::new(move |inner| {
            let f = Arc::new(Flaky {
                inner,
                fail_intent: AtomicBool::new(false),
                fail_commit: AtomicBool::new(false),
                newer: Mutex::new(None),
            });
            *flaky.lock().unwrap() = Some(f.clone());
            f
        })
    }
}

fn disk_full() -> StoreError {
    StoreError::Files("disk full (injected)".into())
}

impl Storage for Flaky {
    fn key_state(&self) -> KeyState {
        self.inner.key_state()
    }
    fn load_all(&self) -> Result<(Vec<TokenRecord>, Vec<Unreadable>), StoreError> {
        self.inner.load_all()
    }
    fn load(&self, profile: &str) -> Result<Option<Result<TokenRecord, Unreadable>>, StoreError> {
        if let Some(newer) = self.newer.lock().unwrap().clone() {
            return Ok(Some(Ok(newer)));
        }
        self.inner.load(profile)
    }
    fn save_login(&self, profile: &str, tokens: &NewTokens, now: i64) -> Result<i64, StoreError> {
        self.inner.save_login(profile, tokens, now)
    }
    fn record_intent(&self, profile: &str, version: i64, now: i64) -> Result<(), CommitError> {
        if self.fail_intent.load(Ordering::SeqCst) {
            return Err(CommitError::Store(disk_full()));
        }
        self.inner.record_intent(profile, version, now)
    }
    fn commit_refresh(&self, profile: &str, v: i64, tokens: &NewTokens, now: i64) -> Result<i64, CommitError> {
        if self.fail_commit.load(Ordering::SeqCst) {
            return Err(CommitError::Store(disk_full()));
        }
        self.inner.commit_refresh(profile, v, tokens, now)
    }
    fn record_refresh_failure(&self, p: &str, now: i64, m: &str, clear: bool) -> Result<(), StoreError> {
        self.inner.record_refresh_failure(p, now, m, clear)
    }
    fn set_problem(&self, p: &str, problem: Option<&str>, now: i64) -> Result<(), StoreError> {
        self.inner.set_problem(p, problem, now)
    }
    fn delete(&self, p: &str) -> Result<bool, StoreError> {
        self.inner.delete(p)
    }
    fn append_audit(&self, e: &NewAudit, r: Retention) -> Result<pdauth_common::AuditEntry, StoreError> {
        self.inner.append_audit(e, r)
    }
    fn list_audit(&self, p: Option<&str>, limit: u32) -> Result<Vec<pdauth_common::AuditEntry>, StoreError> {
        self.inner.list_audit(p, limit)
    }
}

async fn flaky_rig(sim_flags: &[&str]) -> (InProc, Arc<Flaky>, WireClient) {
    let slot = Arc::new(Mutex::new(None));
    let wrap = Flaky::wrap(slot.clone());
    let r = InProc::start(sim_flags, move |o| {
        o.storage_override = Some(wrap);
        o.wall_check = Duration::from_secs(1);
    })
    .await;
    let flaky = slot.lock().unwrap().clone().expect("storage wrapped");
    let c = r.logged_in().await;
    (r, flaky, c)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_intent_write_sends_no_refresh_and_the_token_keeps_serving() {
    let (r, flaky, mut c) = flaky_rig(&[]).await;
    let before = token(&mut c).await.unwrap();
    flaky.fail_intent.store(true, Ordering::SeqCst);
    let err = refresh(&mut c).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
    assert!(err.message.contains("intent"), "{}", err.message);
    assert_eq!(refreshes(&r).await, 0, "nothing was sent without a durable intent");
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::RefreshFailing, "{s:?}");
    assert!(s.retry.is_some());
    assert_eq!(
        token(&mut c).await.unwrap(),
        before,
        "the current access token keeps serving"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_commit_keeps_the_new_pair_in_memory_and_saves_it_later() {
    let (mut r, flaky, mut c) = flaky_rig(&[]).await;
    flaky.fail_commit.store(true, Ordering::SeqCst);
    let s = refresh(&mut c).await.unwrap();
    assert_eq!(s.state, TokenState::Unpersisted, "{s:?}");
    // The new pair is the truth: its access token works.
    let fresh = token(&mut c).await.unwrap();
    assert_eq!(r.sim.users_me(&fresh).await, 200);
    // The disk recovers; the scheduler retries the save.
    flaky.fail_commit.store(false, Ordering::SeqCst);
    let socket = r.socket.clone();
    eventually("the new pair to be saved", || {
        let socket = socket.clone();
        async move {
            let mut c2 = WireClient::connect(&socket).await;
            (status(&mut c2).await.state == TokenState::Valid).then_some(())
        }
    })
    .await;
    // Saved once, and not refreshed again for nothing.
    let events = match c
        .call(Request::Audit {
            profile: None,
            limit: None,
        })
        .await
    {
        Reply::Ok(Response::Audit { entries }) => entries.into_iter().map(|e| e.event).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(events.iter().filter(|e| *e == "persisted").count(), 1, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "refresh_ok").count(), 1, "{events:?}");
    drop(c);
    r.stop_daemon().await;
    // What the store holds after a restart is the rotated pair, not the old one.
    r.start_daemon(|_| {}).await;
    let mut c = r.client().await;
    assert_eq!(token(&mut c).await.unwrap(), fresh);
    let s = refresh(&mut c).await.unwrap();
    assert_eq!(
        s.state,
        TokenState::Valid,
        "the saved refresh token is the sandbox's current one: {s:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_grant_with_a_newer_stored_token_uses_the_stored_one() {
    let (r, flaky, mut c) = flaky_rig(&[]).await;
    // Another writer (a previous run) stored a newer pair; ours is now spent.
    let minted = r.sim.post("/_sim/mint", json!({"client_id": "e2e"})).await;
    let access = minted["tokens"][0]["access_token"].as_str().unwrap().to_string();
    let refresh_token = minted["tokens"][0]["refresh_token"].as_str().unwrap().to_string();
    let mut stored = match flaky.inner.load("work").unwrap().unwrap() {
        Ok(row) => row,
        Err(e) => panic!("{e:?}"),
    };
    stored.version += 1;
    stored.access_token = SecretString::from(access.clone());
    stored.refresh_token = Some(SecretString::from(refresh_token));
    *flaky.newer.lock().unwrap() = Some(stored);
    r.sim
        .post(
            "/_sim/faults/token",
            json!({"mode": "error_with_200", "error": "invalid_grant"}),
        )
        .await;
    let s = refresh(&mut c).await.unwrap();
    assert_ne!(s.state, TokenState::NeedsLogin, "{s:?}");
    assert_eq!(token(&mut c).await.unwrap(), access);
}

/// `GET /users/me` through pdauthd, as any client would call PagerDuty.
async fn users_me(c: &mut WireClient) -> Reply {
    c.call(Request::Api {
        profile: "work".into(),
        path: "/users/me".into(),
        query: vec![],
        method: None,
        body: None,
        paginate: false,
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_revocation_is_noticed_at_the_next_use() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    r.sim.post("/_sim/revoke-all", json!({})).await;
    let reply = users_me(&mut c).await;
    match reply {
        Reply::Error(e) => {
            assert_eq!(e.code, ErrorCode::NeedsLogin);
            assert!(e.message.contains("revoked remotely"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::NeedsLogin);
    assert!(s.reason.unwrap().contains("revoked remotely"));
    assert_eq!(refreshes(&r).await, 1, "one refresh attempt, then no loop");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_login_is_not_called_revoked() {
    let r = InProc::start(&["--access-ttl", "3600", "--refresh-ttl", "600"], |_| {}).await;
    let mut c = r.logged_in().await;
    // Both tokens expire at the identity server; pdauthd's own clock has not moved.
    r.sim.post("/_sim/clock/advance", json!({"seconds": 4000})).await;
    let reply = users_me(&mut c).await;
    let Reply::Error(e) = reply else { panic!("{reply:?}") };
    assert_eq!(e.code, ErrorCode::NeedsLogin);
    let reason = status(&mut c).await.reason.unwrap();
    assert!(
        reason.contains("the login expired") && !reason.contains("revoked"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_mid_use_refreshes_once_and_retries() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    let access = token(&mut c).await.unwrap();
    // Only the access token dies (say, PagerDuty rotated its keys).
    let resp = reqwest::Client::new()
        .post(r.sim.url("/oauth/revoke"))
        .form(&[
            ("token", access.as_str()),
            ("token_type_hint", "access_token"),
            ("client_id", "e2e"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let reply = users_me(&mut c).await;
    match reply {
        Reply::Ok(Response::Api { status, body, .. }) => {
            assert_eq!(status, 200);
            assert!(body["user"]["id"].is_string(), "{body}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(refreshes(&r).await, 1);
    assert_eq!(status(&mut c).await.state, TokenState::Valid);
    assert_ne!(token(&mut c).await.unwrap(), access);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wall_clock_jump_is_caught_up_after_a_suspend() {
    let clock = TokioClock::new(pdauth_daemon::clock::Clock::now(&pdauth_daemon::clock::SystemClock));
    let daemon_clock = clock.clone();
    let r = InProc::start(&[], move |o| {
        o.clock = Arc::new(daemon_clock);
        o.wall_check = Duration::from_secs(1);
    })
    .await;
    let mut c = r.logged_in().await;
    // The laptop slept through the token's whole life; timers never fired.
    clock.jump(2 * 3600);
    c.wait_event(|e| matches!(e, Event::Audit { entry } if entry.event == "refresh_ok").then_some(()))
        .await;
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::Valid, "{s:?}");
    assert!(s.expires_at.unwrap() > pdauth_daemon::clock::Clock::now(&clock));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_in_flight_cannot_resurrect_a_revoked_profile() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    // The refresh is slow; the revocation arrives while it is in flight.
    r.sim
        .post("/_sim/faults/token", json!({"mode": "delay", "delay_ms": 1500}))
        .await;
    let socket = r.socket.clone();
    let refreshing = tokio::spawn(async move {
        let mut c = WireClient::connect(&socket).await;
        refresh(&mut c).await
    });
    c.wait_event(|e| matches!(e, Event::Health { status } if status.state == TokenState::Refreshing).then_some(()))
        .await;
    let revoked = c.call(Request::Revoke { profile: "work".into() }).await;
    assert!(matches!(revoked, Reply::Ok(Response::Revoked { .. })), "{revoked:?}");
    let _ = refreshing.await.unwrap();
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::LoggedOut, "{s:?}");
    assert!(token(&mut c).await.is_err());
    assert_eq!(
        r.sim.stats().await["live_refresh_tokens"],
        0,
        "the refreshed pair was revoked too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_held_in_memory_are_saved_before_the_daemon_stops() {
    let (mut r, flaky, mut c) = flaky_rig(&[]).await;
    flaky.fail_commit.store(true, Ordering::SeqCst);
    assert_eq!(refresh(&mut c).await.unwrap().state, TokenState::Unpersisted);
    let fresh = token(&mut c).await.unwrap();
    // The disk recovers, and the daemon is stopped before its next retry.
    flaky.fail_commit.store(false, Ordering::SeqCst);
    drop(c);
    r.stop_daemon().await;
    r.start_daemon(|_| {}).await;
    let mut c = r.client().await;
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::Valid, "saved on the way out, not lost: {s:?}");
    assert_eq!(token(&mut c).await.unwrap(), fresh);
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_during_an_outage_wait_for_the_retry_instead_of_hammering() {
    let clock = ManualClock::new(pdauth_daemon::clock::Clock::now(&pdauth_daemon::clock::SystemClock));
    let daemon_clock = clock.clone();
    let r = InProc::start(&[], move |o| o.clock = Arc::new(daemon_clock)).await;
    let mut c = r.logged_in().await;
    r.sim
        .post(
            "/_sim/faults/token",
            json!({"mode": "status", "status": 503, "times": 1000}),
        )
        .await;
    clock.advance(3 * 3600);
    for _ in 0..10 {
        let e = token(&mut c).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Upstream, "an outage is not a login matter: {e:?}");
        assert!(e.message.contains("next attempt"), "{}", e.message);
    }
    assert_eq!(refreshes(&r).await, 1, "one attempt, then the backoff holds");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_manual_refreshes_join_one_rotation() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    r.sim
        .post("/_sim/faults/token", json!({"mode": "delay", "delay_ms": 500}))
        .await;
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let socket = r.socket.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = WireClient::connect(&socket).await;
            refresh(&mut c).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().state, TokenState::Valid);
    }
    assert_eq!(refreshes(&r).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_client_is_a_configuration_error_and_the_live_token_keeps_serving() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    let before = token(&mut c).await.unwrap();
    r.sim
        .post(
            "/_sim/faults/token",
            json!({"mode": "error_with_200", "error": "invalid_client"}),
        )
        .await;
    let e = refresh(&mut c).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Config, "{e:?}");
    assert!(
        !e.message.contains("pdauth login"),
        "a login is not the fix: {}",
        e.message
    );
    let s = status(&mut c).await;
    assert_eq!(s.state, TokenState::Error, "{s:?}");
    assert_eq!(token(&mut c).await.unwrap(), before, "the access token is still good");
    // Once the client is accepted again, asking for a refresh clears it.
    assert_eq!(refresh(&mut c).await.unwrap().state, TokenState::Valid);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_without_a_usable_answer_is_retried_late_while_the_token_serves() {
    // The sandbox rotates, then closes the connection without answering, or
    // answers 200 with half the body: either way the new pair is unseen.
    for mode in ["drop_after", "garbled_after"] {
        let r = InProc::start(&[], |_| {}).await;
        let mut c = r.logged_in().await;
        let before = token(&mut c).await.unwrap();
        r.sim.post("/_sim/faults/token", json!({ "mode": mode })).await;
        let e = refresh(&mut c).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Upstream, "{mode}: {e:?}");
        let s = status(&mut c).await;
        assert_eq!(s.state, TokenState::RefreshFailing, "{mode}");
        let retry = s.retry.clone().expect("a retry is planned");
        let expires = s.expires_at.unwrap();
        assert!(
            retry.next_attempt_at >= expires - 61,
            "{mode}: retried near expiry, not at once: next attempt {} s before expiry",
            expires - retry.next_attempt_at
        );
        assert_eq!(
            token(&mut c).await.unwrap(),
            before,
            "{mode}: the live access token keeps serving"
        );
        assert_eq!(r.sim.users_me(&before).await, 200, "{mode}");
        assert_eq!(
            refreshes(&r).await,
            1,
            "{mode}: the spent refresh token is not sent again early"
        );
    }
}
