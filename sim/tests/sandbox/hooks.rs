//! The `/_sim/` hooks: counters and the client list.

use pdauth_sim::{ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn stats_count_what_happened() {
    let sim = default_sim().await;
    let initial = stats(&sim).await;
    assert_eq!(
        initial,
        json!({
            "token_requests": {"authorization_code": 0, "refresh_token": 0, "other": 0},
            "token_errors": 0, "revocations": 0, "api_requests": 0, "api_requests_by_path": {}, "rate_limited": 0,
            "authorize_approvals": 0, "authorize_denials": 0, "token_moved_requests": 0, "minted": 0,
            "live_access_tokens": 0, "live_refresh_tokens": 0,
            "remembered": {"codes": 0, "grants": 0, "tokens": 0},
            "pending_faults": {"token": 0, "api": 0}
        })
    );

    let tokens = login(&sim).await;
    let (_, renewed) = refresh(&sim, field(&tokens, "refresh_token")).await;
    let _ = me(&sim, field(&renewed, "access_token")).await;
    let _ = me(&sim, "nonsense").await;
    let _ = token(&sim, &[("grant_type", "password"), ("client_id", DEFAULT_CLIENT_ID)]).await;
    let revoke = pairs(&[
        ("token", field(&tokens, "access_token")),
        ("client_id", DEFAULT_CLIENT_ID),
    ]);
    assert_eq!(post_form(&sim, "/oauth/revoke", &revoke).await.status(), StatusCode::OK);

    let after = stats(&sim).await;
    assert_eq!(
        after["token_requests"],
        json!({"authorization_code": 1, "refresh_token": 1, "other": 1})
    );
    assert_eq!(after["token_errors"], 1);
    assert_eq!(after["revocations"], 1);
    assert_eq!(after["api_requests"], 2);
    assert_eq!(after["api_requests_by_path"], json!({"/users/me": 2}));
    assert_eq!(after["authorize_approvals"], 1);
    assert_eq!(after["live_access_tokens"], 1, "first access revoked, second live");
    assert_eq!(after["live_refresh_tokens"], 1, "first refresh rotated away");
    assert_eq!(
        after["remembered"],
        json!({"codes": 1, "grants": 1, "tokens": 4}),
        "dead tokens are remembered for introspection"
    );
    assert_eq!(after["minted"], 0);
}

#[tokio::test]
async fn clients_are_listed_without_secrets() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI),
            ClientRegistration::confidential("conf", "http://127.0.0.1:1/a", "very-secret-value"),
            ClientRegistration::confidential("conf", "http://127.0.0.1:1/b", "very-secret-value"),
        ],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let response = http().get(sim.url("/_sim/clients")).send().await.expect("clients");
    let text = response.text().await.expect("body");
    assert!(!text.contains("very-secret-value"));
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        body,
        json!({"clients": [
            {"client_id": DEFAULT_CLIENT_ID, "redirect_uris": [DEFAULT_REDIRECT_URI], "confidential": false},
            {"client_id": "conf", "redirect_uris": ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"], "confidential": true}
        ]})
    );
}

#[tokio::test]
async fn invalid_configuration_is_refused() {
    let config = SimConfig {
        rate_limit: 0,
        ..SimConfig::default()
    };
    assert!(pdauth_sim::start(config).await.is_err());
    let config = SimConfig {
        clients: vec![ClientRegistration::public("a", "not a url")],
        ..SimConfig::default()
    };
    assert!(pdauth_sim::start(config).await.is_err());
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = default_sim().await;
    let url = sim.url("/_sim/stats");
    assert!(http().get(&url).send().await.is_ok());
    sim.shutdown().await.expect("clean shutdown");
    assert!(http().get(&url).send().await.is_err());
}
