//! Faults that act after processing (`delay_after`, `drop_after`): the request is processed
//! and committed, then the answer is late or never comes. Whatever the client does, the
//! rotation stays applied, as when a process crashes between the answer and saving it.

use std::time::{Duration, Instant};

use pdauth_sim::{DEFAULT_CLIENT_ID, RunningSim};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

async fn queue(sim: &RunningSim, body: Value) {
    let response = fault(sim, "token", body).await;
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
}

fn refresh_form(refresh_token: &str) -> Vec<(String, String)> {
    pairs(&[
        ("grant_type", "refresh_token"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("refresh_token", refresh_token),
    ])
}

/// The only grant's entry in `/_sim/grants`.
async fn only_grant(sim: &RunningSim) -> Value {
    let list = grants(sim).await;
    assert_eq!(list.len(), 1, "{list:?}");
    list[0].clone()
}

/// Sends a raw HTTP/1.1 request and returns every byte the server sent before closing.
async fn raw_post(sim: &RunningSim, path: &str, form: &[(String, String)]) -> Vec<u8> {
    let addr = sim.base_url().trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = encode(form);
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection instead of leaving it open");
    if let Err(error) = read {
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}");
    }
    received
}

#[tokio::test]
async fn delay_after_answers_late_with_tokens_already_current() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let old = field(&tokens, "refresh_token");
    queue(&sim, json!({"mode": "delay_after", "delay_ms": 300})).await;
    let started = Instant::now();
    let (status, renewed) = refresh(&sim, old).await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let grant = only_grant(&sim).await;
    assert_eq!(
        grant["current_refresh_token_suffix"],
        suffix(field(&renewed, "refresh_token"))
    );
    assert_eq!(grant["refresh_rotations"], 1);
    assert_eq!(me(&sim, field(&renewed, "access_token")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn delay_after_keeps_the_rotation_when_the_client_gives_up() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let old = field(&tokens, "refresh_token");
    queue(&sim, json!({"mode": "delay_after", "delay_ms": 1500})).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let started = Instant::now();
    let error = impatient
        .post(sim.url("/oauth/token"))
        .form(&refresh_form(old))
        .send()
        .await
        .expect_err("the answer is late");
    assert!(error.is_timeout(), "{error}");

    // Well before the answer would have been sent, the rotation is visible.
    let seen = introspect(&sim, old).await;
    assert_eq!(
        (seen["state"].as_str(), seen["active"].as_bool()),
        (Some("rotated"), Some(false))
    );
    let grant = only_grant(&sim).await;
    assert_eq!(grant["refresh_rotations"], 1);
    assert_eq!(grant["live"], true);
    assert_ne!(grant["current_refresh_token_suffix"], suffix(old));
    let stats = stats(&sim).await;
    assert_eq!(
        (stats["token_errors"].as_u64(), stats["live_refresh_tokens"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "checked while the answer was pending"
    );

    // A client that retries with the token it still has is presenting a spent one.
    let (status, body) = refresh(&sim, old).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(only_grant(&sim).await["live"], false, "reuse revoked the grant");
    assert_eq!(introspect(&sim, old).await["state"], "revoked");

    // Still committed after the sleep would have ended.
    tokio::time::sleep(Duration::from_millis(1700).saturating_sub(started.elapsed())).await;
    assert_eq!(only_grant(&sim).await["refresh_rotations"], 1);
}

#[tokio::test]
async fn drop_after_rotates_then_closes_without_an_answer() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let old = field(&tokens, "refresh_token");
    queue(&sim, json!({"mode": "drop_after"})).await;
    let received = raw_post(&sim, "/oauth/token", &refresh_form(old)).await;
    assert!(
        received.is_empty(),
        "no HTTP answer at all: {:?}",
        String::from_utf8_lossy(&received)
    );

    assert_eq!(introspect(&sim, old).await["state"], "rotated");
    let grant = only_grant(&sim).await;
    assert_eq!(
        (grant["refresh_rotations"].as_u64(), grant["live"].as_bool()),
        (Some(1), Some(true))
    );
    assert_ne!(grant["current_refresh_token_suffix"], suffix(old));
    let stats = stats(&sim).await;
    assert_eq!(stats["token_requests"]["refresh_token"], 1);
    assert_eq!(stats["token_errors"], 0);
    assert_eq!(stats["pending_faults"]["token"], 0);

    // The fault is used up: the next request is answered (and is a reuse).
    let (status, body) = refresh(&sim, old).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn drop_after_a_code_exchange_leaves_the_code_spent() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    queue(&sim, json!({"mode": "drop_after", "delay_ms": 200})).await;
    let form = pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("code", &code),
        ("redirect_uri", pdauth_sim::DEFAULT_REDIRECT_URI),
        ("code_verifier", &verifier),
    ]);
    let started = Instant::now();
    let error = http()
        .post(sim.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_timeout(), "the connection closed: {error}");
    assert!(started.elapsed() >= Duration::from_millis(200), "closed after delay_ms");
    let grant = only_grant(&sim).await;
    assert_eq!(
        (grant["live"].as_bool(), grant["refresh_rotations"].as_u64()),
        (Some(true), Some(0))
    );
    assert!(grant["current_refresh_token_suffix"].is_string());

    let (status, _) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the code was spent");
    assert_eq!(
        only_grant(&sim).await["live"],
        false,
        "reusing it revoked the unseen tokens"
    );
}

#[tokio::test]
async fn drop_after_an_error_still_sends_nothing() {
    let sim = default_sim().await;
    queue(&sim, json!({"mode": "drop_after"})).await;
    let received = raw_post(&sim, "/oauth/token", &refresh_form("pdus+_1XBPWQQ_unknown")).await;
    assert!(received.is_empty());
    let stats = stats(&sim).await;
    assert_eq!(stats["token_errors"], 1, "the refusal was processed and counted");
}

/// The contrast with `delay_after`: `delay` waits before processing, and a client that gives
/// up meanwhile makes hyper drop the handler, so nothing is consumed.
#[tokio::test]
async fn delay_before_processing_consumes_nothing_when_the_client_gives_up() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    queue(&sim, json!({"mode": "delay", "delay_ms": 800})).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let form = pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("code", &code),
        ("redirect_uri", pdauth_sim::DEFAULT_REDIRECT_URI),
        ("code_verifier", &verifier),
    ]);
    let error = impatient
        .post(sim.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .expect_err("the answer is late");
    assert!(error.is_timeout(), "{error}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(grants(&sim).await.is_empty(), "no grant was created");
    let (status, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "the code was never presented: {body}");
}
