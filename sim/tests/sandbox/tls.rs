//! TLS mode: a generated CA, HTTPS on the same routes, and refusal without the CA.

use pdauth_sim::SimConfig;
use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn https_with_the_written_ca_and_refusal_without_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_path = dir.path().join("ca.pem");
    let sim = sim(SimConfig {
        tls: true,
        ca_out: Some(ca_path.clone()),
        ..SimConfig::default()
    })
    .await;
    assert!(sim.base_url().starts_with("https://127.0.0.1:"), "{}", sim.base_url());

    let written = std::fs::read_to_string(&ca_path).expect("CA written");
    assert_eq!(Some(written.as_str()), sim.ca_pem());
    assert!(written.starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ca_path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    let ca = reqwest::Certificate::from_pem(written.as_bytes()).expect("CA parses");
    let trusting = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client");
    let response = trusting
        .get(sim.url("/users/me"))
        .send()
        .await
        .expect("TLS works with the CA");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let localhost = sim.base_url().replace("127.0.0.1", "localhost");
    let response = trusting
        .get(format!("{localhost}/_sim/stats"))
        .send()
        .await
        .expect("localhost is covered");
    assert_eq!(response.status(), StatusCode::OK);

    let error = http()
        .get(sim.url("/users/me"))
        .send()
        .await
        .expect_err("untrusted CA must fail");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    let plain = sim.base_url().replace("https://", "http://");
    let plain_answer = http().get(format!("{plain}/users/me")).send().await;
    assert!(plain_answer.is_err(), "plain HTTP on the TLS port is not served");
}

/// Walks the consent page with `client` and returns `(code, verifier)`.
async fn approved_code_with(client: &reqwest::Client, sim: &pdauth_sim::RunningSim) -> (String, String) {
    let (verifier, challenge) = pkce();
    let query = encode(&authorize_params(&challenge, "read", "st"));
    let page = client
        .get(sim.url(&format!("/oauth/authorize?{query}")))
        .send()
        .await
        .expect("authorize")
        .text()
        .await
        .expect("page");
    let mut form = hidden_fields(&page);
    form.push(("user_id".into(), user_ids(&page).remove(0)));
    form.push(("decision".into(), "approve".into()));
    let answer = client
        .post(sim.url("/oauth/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&form))
        .send()
        .await
        .expect("consent");
    assert_eq!(answer.status(), StatusCode::FOUND);
    (location_param(&answer, "code").expect("code"), verifier)
}

/// `drop_after` closes TLS connections too (no close_notify), after committing the rotation.
#[tokio::test]
async fn drop_after_closes_tls_connections_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = sim(SimConfig {
        tls: true,
        ca_out: Some(dir.path().join("ca.pem")),
        ..SimConfig::default()
    })
    .await;
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().expect("CA").as_bytes()).expect("CA parses");
    let trusting = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client");
    let (code, verifier) = approved_code_with(&trusting, &sim).await;
    let form = pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", pdauth_sim::DEFAULT_CLIENT_ID),
        ("code", &code),
        ("redirect_uri", pdauth_sim::DEFAULT_REDIRECT_URI),
        ("code_verifier", &verifier),
    ]);
    let tokens: serde_json::Value = trusting
        .post(sim.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .expect("exchange")
        .json()
        .await
        .expect("json");
    let queued = trusting
        .post(sim.url("/_sim/faults/token"))
        .json(&serde_json::json!({"mode": "drop_after"}))
        .send()
        .await
        .expect("fault hook");
    assert_eq!(queued.status(), StatusCode::OK);
    let old = field(&tokens, "refresh_token");
    let refresh_form = pairs(&[
        ("grant_type", "refresh_token"),
        ("client_id", pdauth_sim::DEFAULT_CLIENT_ID),
        ("refresh_token", old),
    ]);
    let error = trusting
        .post(sim.url("/oauth/token"))
        .form(&refresh_form)
        .send()
        .await
        .expect_err("no answer over TLS either");
    assert!(!error.is_timeout(), "{error:?}");
    let seen: serde_json::Value = trusting
        .post(sim.url("/_sim/introspect"))
        .json(&serde_json::json!({ "token": old }))
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json");
    assert_eq!(seen["state"], "rotated");
}
