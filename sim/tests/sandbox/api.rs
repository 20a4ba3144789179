//! The REST API: authentication failures, errors, rate limiting.

use std::time::Duration;

use pdauth_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

async fn json_of(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    (status, content_type, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_credentials_get_pagerduty_401s() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let access = field(&tokens, "access_token").to_owned();
    let requests = [
        http().get(sim.url("/users/me")),
        http()
            .get(sim.url("/users/me"))
            .bearer_auth("pdus+_0XBPWQQ_not-a-token"),
        http()
            .get(sim.url("/users/me"))
            .header("authorization", format!("Token token={access}")),
        http().get(sim.url("/users/me")).header("authorization", "Bearer"),
        http()
            .get(sim.url("/users/me"))
            .header("authorization", format!("Basic {access}")),
    ];
    for request in requests {
        let (status, content_type, body) = json_of(request.send().await.expect("request")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(content_type, "application/json; charset=utf-8");
        assert_eq!(
            body,
            json!({"error": {"message": "Authentication failed", "code": 2006}})
        );
    }
    let lower = http()
        .get(sim.url("/users/me"))
        .header("authorization", format!("bearer {access}"))
        .header("accept", "application/vnd.pagerduty+json;version=2")
        .send()
        .await
        .expect("request");
    assert_eq!(
        lower.status(),
        StatusCode::OK,
        "scheme is case-insensitive, any Accept works"
    );
}

#[tokio::test]
async fn expired_access_token_is_refused() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    sim.clock().advance(Duration::from_secs(3599));
    assert_eq!(me(&sim, field(&tokens, "access_token")).await.status(), StatusCode::OK);
    let advanced: Value = http()
        .post(sim.url("/_sim/clock/advance"))
        .json(&json!({"seconds": 2}))
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("json");
    assert_eq!(advanced["offset_seconds"], 3601);
    assert_eq!(
        me(&sim, field(&tokens, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_get_pagerduty_errors() {
    let sim = default_sim().await;
    let (status, content_type, body) =
        json_of(http().get(sim.url("/incidents/nope/what")).send().await.expect("r")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::NOT_FOUND, "application/json; charset=utf-8")
    );
    assert_eq!(body, json!({"error": {"message": "Not Found", "code": 2100}}));

    let tokens = login(&sim).await;
    let response = http()
        .delete(sim.url("/users/me"))
        .bearer_auth(field(&tokens, "access_token"))
        .send()
        .await;
    let (status, _, body) = json_of(response.expect("r")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["message"], "Method Not Allowed");
    let (status, _, body) = json_of(http().get(sim.url("/oauth/token")).send().await.expect("r")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"]["code"].is_number());
}

#[tokio::test]
async fn rate_limit_counts_down_refuses_and_resets() {
    let sim = sim(SimConfig {
        rate_limit: 3,
        ..SimConfig::default()
    })
    .await;
    let tokens = login(&sim).await;
    let access = field(&tokens, "access_token");
    for remaining in ["2", "1", "0"] {
        let response = me(&sim, access).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], remaining);
        let reset: u64 = response.headers()["ratelimit-reset"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("number");
        assert!((1..=60).contains(&reset));
    }
    let response = me(&sim, access).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["ratelimit-remaining"], "0");
    assert!(response.headers().contains_key("ratelimit-reset"));
    let (_, content_type, body) = json_of(response).await;
    assert_eq!(content_type, "application/json; charset=utf-8");
    assert_eq!(body, json!({"error": {"message": "Rate Limit Exceeded", "code": 2020}}));

    let other = login(&sim).await;
    assert_eq!(
        me(&sim, field(&other, "access_token")).await.status(),
        StatusCode::OK,
        "budgets are per token"
    );

    sim.clock().advance(Duration::from_secs(60));
    let response = me(&sim, access).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["ratelimit-remaining"], "2");
    let stats = stats(&sim).await;
    assert_eq!(stats["rate_limited"], 1);
    assert_eq!(stats["api_requests"], 6);
}
