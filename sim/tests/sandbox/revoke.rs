//! The revocation endpoint and the "revoke all" hook.

use pdauth_sim::{ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

async fn revoke(sim: &pdauth_sim::RunningSim, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = post_form(sim, "/oauth/revoke", &pairs(form)).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn revoking_an_access_token_kills_only_it() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let (status, body) = revoke(
        &sim,
        &[
            ("token", field(&tokens, "access_token")),
            ("client_id", DEFAULT_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::json!({})));
    assert_eq!(
        me(&sim, field(&tokens, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, renewed) = refresh(&sim, field(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "the refresh token survives: {renewed}");
    assert_eq!(me(&sim, field(&renewed, "access_token")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_the_grant() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let other_login = login(&sim).await;
    let (status, _) = revoke(
        &sim,
        &[
            ("token", field(&tokens, "refresh_token")),
            ("token_type_hint", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me(&sim, field(&tokens, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(&sim, field(&tokens, "refresh_token")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        me(&sim, field(&other_login, "access_token")).await.status(),
        StatusCode::OK,
        "other logins live"
    );
    assert_eq!(stats(&sim).await["revocations"], 1);
}

#[tokio::test]
async fn unknown_tokens_are_fine_and_bad_requests_are_not() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI),
            ClientRegistration::confidential("conf", DEFAULT_REDIRECT_URI, "secret"),
        ],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let (status, body) = revoke(
        &sim,
        &[("token", "pdus+_0XBPWQQ_unknown"), ("client_id", DEFAULT_CLIENT_ID)],
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::json!({})));
    let (status, body) = revoke(&sim, &[("client_id", DEFAULT_CLIENT_ID)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = revoke(&sim, &[("token", "x"), ("client_id", "nobody")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = revoke(&sim, &[("token", "x"), ("client_id", "conf")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _) = revoke(
        &sim,
        &[("token", "x"), ("client_id", "conf"), ("client_secret", "secret")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let tokens = login(&sim).await;
    let (status, body) = revoke(
        &sim,
        &[
            ("token", field(&tokens, "refresh_token")),
            ("client_id", "conf"),
            ("client_secret", "secret"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
    assert_eq!(me(&sim, field(&tokens, "access_token")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoke_all_invalidates_every_token() {
    let sim = default_sim().await;
    let a = login(&sim).await;
    let b = login(&sim).await;
    let response: Value = http()
        .post(sim.url("/_sim/revoke-all"))
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("json");
    assert_eq!(response["revoked"], 4);
    for tokens in [&a, &b] {
        assert_eq!(
            me(&sim, field(tokens, "access_token")).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            refresh(&sim, field(tokens, "refresh_token")).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    let stats = stats(&sim).await;
    assert_eq!(
        (
            stats["live_access_tokens"].as_u64(),
            stats["live_refresh_tokens"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let c = login(&sim).await;
    assert_eq!(
        me(&sim, field(&c, "access_token")).await.status(),
        StatusCode::OK,
        "new logins work again"
    );
}
