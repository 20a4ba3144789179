//! The token endpoint: code exchange with PKCE, refresh rotation, client authentication and
//! the id_token.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use pdauth_sim::{ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, Region, SimConfig};
use reqwest::StatusCode;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::Value;
use sha2::Sha256;

use crate::common::*;

#[tokio::test]
async fn pkce_mismatch_is_invalid_grant_and_spends_the_code() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    let (other_verifier, _) = pkce();
    let (status, body) = exchange(&sim, &code, &other_verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].is_string());
    let (status, _) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a presented code is spent");
}

#[tokio::test]
async fn code_reuse_is_refused_and_revokes_what_it_issued() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    let (status, tokens) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    let access = field(&tokens, "access_token");
    assert_eq!(me(&sim, access).await.status(), StatusCode::OK);

    let (status, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(me(&sim, access).await.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(&sim, field(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn code_expires_after_code_ttl() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read").await;
    sim.clock().advance(Duration::from_secs(31));
    let (status, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let (code, verifier) = approved_code(&sim, "read").await;
    sim.clock().advance(Duration::from_secs(29));
    assert_eq!(exchange(&sim, &code, &verifier).await.0, StatusCode::OK);
}

#[tokio::test]
async fn redirect_uri_and_client_must_match_the_authorization() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI),
            ClientRegistration::public(DEFAULT_CLIENT_ID, "http://localhost:8976/callback"),
            ClientRegistration::public("other", DEFAULT_REDIRECT_URI),
        ],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let (code, verifier) = approved_code(&sim, "read").await;
    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:8976/callback"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let (code, verifier) = approved_code(&sim, "read").await;
    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "other"),
            ("code", &code),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

/// Form fields of a token request.
type Form<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn malformed_requests_get_oauth_errors() {
    let sim = default_sim().await;
    let json = http()
        .post(sim.url("/oauth/token"))
        .json(&serde_json::json!({"grant_type": "authorization_code", "client_id": DEFAULT_CLIENT_ID}))
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json.headers()["cache-control"], "no-store");
    let body: Value = json.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");

    let cases: [(Form<'_>, StatusCode, &str); 6] = [
        (
            &[("client_id", DEFAULT_CLIENT_ID)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &[("grant_type", "password"), ("client_id", DEFAULT_CLIENT_ID)],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            &[("grant_type", "client_credentials"), ("client_id", "nobody")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            &[("grant_type", "refresh_token")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", DEFAULT_CLIENT_ID)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
                ("client_id", DEFAULT_CLIENT_ID),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (form, status, error) in cases {
        let (got, body) = token(&sim, form).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{form:?}");
    }
    let oversized = http()
        .post(sim.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=refresh_token&x={}", "a".repeat(70 * 1024)))
        .send()
        .await
        .expect("request");
    assert_eq!(oversized.status(), StatusCode::BAD_REQUEST);
    let stats = stats(&sim).await;
    assert_eq!(stats["token_errors"], 8);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_grant() {
    let sim = default_sim().await;
    let first = login(&sim).await;
    let (status, second) = refresh(&sim, field(&first, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["scope"], "openid read write");
    assert!(second["id_token"].is_string());
    let live = stats(&sim).await;
    assert_eq!(
        (
            live["live_access_tokens"].as_u64(),
            live["live_refresh_tokens"].as_u64()
        ),
        (Some(2), Some(1))
    );

    let (status, body) = refresh(&sim, field(&first, "refresh_token")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(
        me(&sim, field(&second, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(&sim, field(&first, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = refresh(&sim, field(&second, "refresh_token")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the newest refresh token died with the grant"
    );
    let live = stats(&sim).await;
    assert_eq!(
        (
            live["live_access_tokens"].as_u64(),
            live["live_refresh_tokens"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn refresh_token_expires_and_is_bound_to_its_client() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI),
            ClientRegistration::public("other", DEFAULT_REDIRECT_URI),
        ],
        refresh_ttl: Duration::from_secs(600),
        access_ttl: Duration::from_secs(60),
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let tokens = login(&sim).await;
    assert_eq!(tokens["expires_in"], 60);
    let refresh_token = field(&tokens, "refresh_token");
    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "other"),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    sim.clock().advance(Duration::from_secs(61));
    assert_eq!(
        me(&sim, field(&tokens, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED,
        "access expired"
    );
    let (status, renewed) = refresh(&sim, refresh_token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another client's attempt did not spend it: {renewed}"
    );

    sim.clock().advance(Duration::from_secs(601));
    let (status, body) = refresh(&sim, field(&renewed, "refresh_token")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn refresh_may_narrow_but_not_widen_scope() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let (status, body) = token(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("refresh_token", field(&tokens, "refresh_token")),
            ("scope", "incidents.write"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );
    let (status, _) = token(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("refresh_token", field(&tokens, "refresh_token")),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

async fn confidential_login(sim: &pdauth_sim::RunningSim) -> (String, String) {
    let (verifier, challenge) = pkce();
    let mut params = authorize_params(&challenge, "incidents.read", "c");
    params.retain(|(k, _)| k != "client_id");
    params.push(("client_id".into(), "scoped".into()));
    let page = get_authorize(sim, &params).await.text().await.expect("page");
    let user = user_ids(&page).remove(0);
    let answer = submit_consent(sim, &page, &user, "approve").await;
    (location_param(&answer, "code").expect("code"), verifier)
}

#[tokio::test]
async fn confidential_client_needs_its_secret_in_the_form_or_basic() {
    let config = SimConfig {
        clients: vec![ClientRegistration::confidential(
            "scoped",
            DEFAULT_REDIRECT_URI,
            "s3cret/+=",
        )],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let base = |code: &str, verifier: &str| {
        pairs(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
            ("code_verifier", verifier),
        ])
    };

    for secret in [None, Some("wrong")] {
        let (code, verifier) = confidential_login(&sim).await;
        let mut form = base(&code, &verifier);
        form.push(("client_id".into(), "scoped".into()));
        if let Some(secret) = secret {
            form.push(("client_secret".into(), secret.into()));
        }
        let response = post_form(&sim, "/oauth/token", &form).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client");
    }

    let (code, verifier) = confidential_login(&sim).await;
    let mut form = base(&code, &verifier);
    form.extend(pairs(&[("client_id", "scoped"), ("client_secret", "s3cret/+=")]));
    let response = post_form(&sim, "/oauth/token", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.expect("json");
    assert_eq!(tokens["scope"], "openid incidents.read");

    let basic = |secret: &str| {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc("scoped"), enc(secret)))
        )
    };
    let (code, verifier) = confidential_login(&sim).await;
    let response = http()
        .post(sim.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic("s3cret/+="))
        .body(encode(&base(&code, &verifier)))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);

    let refresh_form = pairs(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", field(&tokens, "refresh_token")),
    ]);
    let response = http()
        .post(sim.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", basic("nope"))
        .body(encode(&refresh_form))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("www-authenticate").is_some());
}

fn decode_segment(segment: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(segment).expect("base64url")
}

#[tokio::test]
async fn id_token_is_a_verifiable_rs256_jwt_with_pagerduty_claims() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    let id_token = field(&tokens, "id_token");
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&decode_segment(parts[0])).expect("header");
    let claims: Value = serde_json::from_slice(&decode_segment(parts[1])).expect("claims");
    assert_eq!(header["alg"], "RS256");

    let jwks: Value = http()
        .get(sim.url("/global/oauth/anonymous/jwks"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["use"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("sig"), Some("RS256"))
    );
    assert_eq!(key["kid"], header["kid"]);
    let public = RsaPublicKey::new(
        BigUint::from_bytes_be(&decode_segment(field(key, "n"))),
        BigUint::from_bytes_be(&decode_segment(field(key, "e"))),
    )
    .expect("key");
    let signature = Signature::try_from(decode_segment(parts[2]).as_slice()).expect("signature");
    VerifyingKey::<Sha256>::new(public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("signature verifies against the JWKS");

    let me: Value = me(&sim, field(&tokens, "access_token")).await.json().await.expect("me");
    let user_id = field(&me["user"], "id");
    assert_eq!(claims["iss"], format!("{}/global/oauth/anonymous", sim.base_url()));
    assert_eq!(claims["aud"], serde_json::json!([DEFAULT_CLIENT_ID, sim.base_url()]));
    assert_eq!(
        (claims["sub"].as_str(), claims["user_id"].as_str()),
        (Some(user_id), Some(user_id))
    );
    assert_eq!(claims["subdomain"], "acme-sandbox");
    assert_eq!(claims["region"], "UnitedStates");
    assert!(field(&claims, "account_id").starts_with('P'));
    let (iat, exp) = (
        claims["iat"].as_u64().expect("iat"),
        claims["exp"].as_u64().expect("exp"),
    );
    assert_eq!(exp - iat, 3600);
}

#[tokio::test]
async fn eu_region_changes_claims_urls_and_token_prefix() {
    let config = SimConfig {
        region: Region::Eu,
        subdomain: "euro-co".into(),
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let tokens = login(&sim).await;
    assert!(field(&tokens, "access_token").starts_with("pdeu+_"));
    let claims: Value = serde_json::from_slice(&decode_segment(
        field(&tokens, "id_token").split('.').nth(1).expect("claims"),
    ))
    .expect("claims");
    assert_eq!(claims["region"], "EU");
    let me: Value = me(&sim, field(&tokens, "access_token")).await.json().await.expect("me");
    let html_url = field(&me["user"], "html_url");
    assert!(
        html_url.starts_with("https://euro-co.eu.pagerduty.com/users/"),
        "{html_url}"
    );
}
