//! Injected faults at the token endpoint and the REST API.

use std::time::{Duration, Instant};

use pdauth_sim::{DEFAULT_CLIENT_ID, RunningSim};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// Raw answer of a code exchange.
async fn raw_exchange(sim: &RunningSim, code: &str, verifier: &str) -> reqwest::Response {
    let form = pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("code", code),
        ("redirect_uri", pdauth_sim::DEFAULT_REDIRECT_URI),
        ("code_verifier", verifier),
    ]);
    post_form(sim, "/oauth/token", &form).await
}

async fn queue(sim: &RunningSim, kind: &str, body: Value) {
    let response = fault(sim, kind, body).await;
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
}

#[tokio::test]
async fn faults_that_replace_the_answer_do_not_consume_the_code() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;

    queue(&sim, "token", json!({"mode": "error_with_200"})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
    assert!(body.get("access_token").is_none());

    queue(&sim, "token", json!({"mode": "html"})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );

    queue(&sim, "token", json!({"mode": "empty"})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.expect("body").is_empty());

    queue(&sim, "token", json!({"mode": "truncated"})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    assert!(
        !text.is_empty() && serde_json::from_str::<Value>(&text).is_err(),
        "{text}"
    );

    queue(&sim, "token", json!({"mode": "status", "status": 503})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "temporarily_unavailable");

    queue(
        &sim,
        "token",
        json!({"mode": "status", "status": 400, "error": "invalid_client"}),
    )
    .await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.expect("json")["error"], "invalid_client");

    let (status, tokens) = exchange(&sim, &code, &verifier).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the code survived every replaced answer: {tokens}"
    );
    let stats = stats(&sim).await;
    assert_eq!(stats["token_errors"], 6);
    assert_eq!(stats["token_requests"]["authorization_code"], 7);
}

#[tokio::test]
async fn redirect_fault_points_at_a_decoy() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    queue(&sim, "token", json!({"mode": "redirect"})).await;
    let response = raw_exchange(&sim, &code, &verifier).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/oauth/token-moved");

    let followed: Value = http()
        .get(sim.url("/oauth/token-moved"))
        .send()
        .await
        .expect("decoy")
        .json()
        .await
        .expect("json");
    let decoy = field(&followed, "access_token");
    assert_eq!(
        me(&sim, decoy).await.status(),
        StatusCode::UNAUTHORIZED,
        "decoy tokens do not work"
    );
    assert_eq!(stats(&sim).await["token_moved_requests"], 1);
    assert_eq!(exchange(&sim, &code, &verifier).await.0, StatusCode::OK);
}

#[tokio::test]
async fn shape_faults_process_normally() {
    let sim = default_sim().await;

    queue(&sim, "token", json!({"mode": "expires_in_string"})).await;
    let tokens = login(&sim).await;
    assert_eq!(tokens["expires_in"], "3600");
    assert_eq!(me(&sim, field(&tokens, "access_token")).await.status(), StatusCode::OK);

    queue(&sim, "token", json!({"mode": "uppercase_bearer"})).await;
    let (status, renewed) = refresh(&sim, field(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renewed["token_type"], "Bearer");
    assert_eq!(
        refresh(&sim, field(&tokens, "refresh_token")).await.0,
        StatusCode::BAD_REQUEST,
        "it rotated"
    );

    let tokens = login(&sim).await;
    queue(&sim, "token", json!({"mode": "no_refresh_token"})).await;
    let (status, body) = refresh(&sim, field(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(me(&sim, field(&body, "access_token")).await.status(), StatusCode::OK);
    let (status, again) = refresh(&sim, field(&tokens, "refresh_token")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "without rotation the old refresh token stays valid: {again}"
    );

    queue(&sim, "token", json!({"mode": "no_refresh_token"})).await;
    let (code, verifier) = approved_code(&sim, "read").await;
    let (status, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none() && body["access_token"].is_string());

    queue(&sim, "token", json!({"mode": "delay", "delay_ms": 300})).await;
    let started = Instant::now();
    let (code, verifier) = approved_code(&sim, "read").await;
    let (status, _) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        stats(&sim).await["token_errors"],
        1,
        "only the rotated refresh token was refused"
    );
}

#[tokio::test]
async fn times_and_clear() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    queue(&sim, "token", json!({"mode": "status", "status": 500, "times": 2})).await;
    assert_eq!(
        raw_exchange(&sim, &code, &verifier).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        raw_exchange(&sim, &code, &verifier).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(exchange(&sim, &code, &verifier).await.0, StatusCode::OK);

    queue(&sim, "token", json!({"mode": "html", "times": 5})).await;
    queue(&sim, "api", json!({"mode": "status", "status": 503})).await;
    assert_eq!(stats(&sim).await["pending_faults"], json!({"token": 5, "api": 1}));
    let cleared: Value = http()
        .post(sim.url("/_sim/faults/clear"))
        .send()
        .await
        .expect("clear")
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["cleared"], 6);
    assert_eq!(login(&sim).await["token_type"], "bearer");

    for bad in [
        json!({"mode": "nonsense"}),
        json!({"mode": "delay"}),
        json!({"mode": "html", "status": 42}),
        json!({"mode": "html", "times": 0}),
        json!({"mode": "html", "colour": "red"}),
        json!({}),
    ] {
        assert_eq!(
            fault(&sim, "token", bad.clone()).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        fault(&sim, "api", json!({"mode": "truncated"})).await.status(),
        StatusCode::BAD_REQUEST
    );
    let not_json = http()
        .post(sim.url("/_sim/faults/token"))
        .body("mode=html")
        .send()
        .await
        .expect("r");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn api_faults() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let access = field(&tokens, "access_token");

    queue(&sim, "api", json!({"mode": "html_401"})).await;
    let response = me(&sim, access).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );

    queue(&sim, "api", json!({"mode": "status", "status": 503})).await;
    let response = me(&sim, access).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("json");
    assert!(body["error"]["message"].is_string() && body["error"]["code"].is_number());

    queue(&sim, "api", json!({"mode": "429_no_headers"})).await;
    let response = me(&sim, access).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!response.headers().contains_key("ratelimit-reset") && !response.headers().contains_key("ratelimit-limit"));
    assert!(response.bytes().await.expect("body").is_empty());

    queue(&sim, "api", json!({"mode": "delay", "delay_ms": 200})).await;
    let started = Instant::now();
    assert_eq!(me(&sim, access).await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));

    assert_eq!(me(&sim, access).await.status(), StatusCode::OK, "faults are used up");
    let stats = stats(&sim).await;
    assert_eq!(stats["api_requests"], 5);
    assert_eq!(stats["rate_limited"], 0, "injected 429s are not the limiter's");
}
