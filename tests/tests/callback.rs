//! The daemon's loopback callback under hostile or broken redirects: each
//! case leaves the daemon serving and the real pending login intact where it
//! should, and a code is exchanged at most once.

use pdauth_common::{Event, LoginInfo, Reply, Request, Response, TokenState};
use pdauth_tests::DEADLINE;
use pdauth_tests::browser::{consent, visit};
use pdauth_tests::rig::Rig;
use pdauth_tests::wire::WireClient;
use std::io::Write;

async fn rig() -> Rig {
    Rig::start(&[]).await
}

async fn start_login(c: &mut WireClient) -> LoginInfo {
    pdauth_tests::rig::start_login(c, "work").await
}

async fn state_of(c: &mut WireClient) -> TokenState {
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles[0].state,
        other => panic!("{other:?}"),
    }
}

fn state_param(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned()
}

async fn completes(c: &mut WireClient, location: &str) {
    let (status, page) = visit(location).await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    c.wait_event(|e| matches!(e, Event::LoginCompleted { .. }).then_some(()))
        .await;
    assert_eq!(state_of(c).await, TokenState::Valid);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_state_is_refused_and_the_login_survives() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let (status, page) = visit(&format!(
        "http://127.0.0.1:{}/callback?code=forged&state=forged",
        r.port
    ))
    .await
    .unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("does not belong to a login in progress"), "{page}");
    assert!(!page.contains("forged"), "the page never reflects request input");
    assert_eq!(state_of(&mut c).await, TokenState::LoginPending);
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
    assert_eq!(r.sim.stats().await["token_requests"]["authorization_code"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn replayed_callback_is_refused_and_the_code_is_exchanged_once() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
    // The listener closed with no login pending; start another so it listens again.
    let second = start_login(&mut c).await;
    let (status, _) = visit(&location).await.unwrap();
    assert_eq!(status, 400, "a replayed state is unknown");
    assert_eq!(state_of(&mut c).await, TokenState::LoginPending);
    assert_eq!(r.sim.stats().await["token_requests"]["authorization_code"], 1);
    let location = consent(&second.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_parameters_and_missing_code_are_refused() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let state = state_param(&login.authorize_url);
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    let (status, page) = visit(&format!("{location}&code=second")).await.unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("repeated a parameter"), "{page}");
    let (status, page) = visit(&format!("{location}&state={state}")).await.unwrap();
    assert_eq!(status, 400, "{page}");
    let (status, page) = visit(&format!(
        "http://127.0.0.1:{}/callback?state={}",
        r.port,
        url::form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>()
    ))
    .await
    .unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("neither a code nor an error"), "{page}");
    assert_eq!(state_of(&mut c).await, TokenState::LoginPending);
    assert_eq!(r.sim.stats().await["token_requests"]["authorization_code"], 0);
    completes(&mut c, &location).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_ends_the_login_with_a_readable_reason() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let location = consent(&login.authorize_url, "deny").await.unwrap();
    assert!(location.contains("error=access_denied"), "{location}");
    let (status, page) = visit(&location).await.unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("Sign-in failed"), "{page}");
    let message = c
        .wait_event(|e| match e {
            Event::LoginFailed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .await;
    assert!(message.starts_with("Access was denied"), "{message}");
    match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => {
            assert_eq!(profiles[0].state, TokenState::LoggedOut);
            assert!(profiles[0].reason.as_deref().unwrap_or_default().contains("denied"));
        }
        other => panic!("{other:?}"),
    }
    // An error with a forged state is ignored.
    let login = start_login(&mut c).await;
    let (status, _) = visit(&format!(
        "http://127.0.0.1:{}/callback?error=access_denied&state=forged",
        r.port
    ))
    .await
    .unwrap();
    assert_eq!(status, 400);
    assert_eq!(state_of(&mut c).await, TokenState::LoginPending);
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_query_is_refused_and_the_listener_keeps_serving() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let huge = "x".repeat(20 * 1024);
    let status = match visit(&format!("http://127.0.0.1:{}/callback?code={huge}&state=s", r.port)).await {
        Ok((status, _)) => status,
        Err(e) => panic!("the listener should answer, not drop the connection: {e}"),
    };
    assert!(matches!(status, 414 | 431 | 400), "{status}");
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_client_does_not_block_the_real_callback() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    // A client that starts a request and never finishes it.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    slow.write_all(b"GET /callback?code=").unwrap();
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
    // And it is cut off eventually (header read timeout), not kept forever.
    slow.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut buf = [0u8; 512];
    let started = std::time::Instant::now();
    // Either an orderly close (0 bytes), a 408 page, or a reset; never a hang.
    let _ = std::io::Read::read(&mut slow, &mut buf);
    assert!(started.elapsed() < DEADLINE, "slow connection was never closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_idle_connections_cannot_crowd_out_the_redirect() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    // Any local user can connect to the loopback port: more connections than
    // the listener keeps, none sending a request.
    let idle: Vec<std::net::TcpStream> = (0..300)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", r.port)).unwrap())
        .collect();
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
    // The oldest idle ones made room: closed by the listener, not left hanging.
    let mut first = &idle[0];
    first.set_read_timeout(Some(DEADLINE)).unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let read = std::io::Read::read(&mut first, &mut buf);
    assert!(
        matches!(read, Ok(0) | Err(_)) && started.elapsed() < DEADLINE / 2,
        "{read:?} after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn page_headers_are_strict() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    let _login = start_login(&mut c).await;
    let resp = reqwest::get(format!("http://127.0.0.1:{}/callback?code=x&state=y", r.port))
        .await
        .unwrap();
    let h = resp.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(h.get("location").is_none(), "the callback never redirects");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_callback_without_state_cannot_end_the_real_login() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let (status, _) = visit(&format!("http://127.0.0.1:{}/callback?code=forged", r.port))
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(
        state_of(&mut c).await,
        TokenState::LoginPending,
        "the real login is still waiting"
    );
    // The real approval still arrives and completes it.
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    completes(&mut c, &location).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_genuine_code_without_state_completes_the_single_pending_login() {
    let r = rig().await;
    let mut c = WireClient::connect(&r.daemon.socket).await;
    c.call(Request::Subscribe).await;
    let login = start_login(&mut c).await;
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    // An identity server that does not echo state: PKCE binds the code.
    completes(&mut c, &format!("http://127.0.0.1:{}/callback?code={code}", r.port)).await;
}
