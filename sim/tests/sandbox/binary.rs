//! The real `pdauth-sim` binary: first stdout line, flags, exit codes and signals.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::http;

const BIN: &str = env!("CARGO_BIN_EXE_pdauth-sim");

/// Spawns the binary and returns it with the first stdout line.
async fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("base URL printed in time")
        .expect("stdout readable")
        .expect("a first line");
    (child, first)
}

#[tokio::test]
async fn binary_prints_its_base_url_and_serves() {
    let (mut child, base) = spawn(&[
        "--addr",
        "127.0.0.1:0",
        "--client",
        "pdauth-demo=http://127.0.0.1:9999/callback",
        "--seed",
        "3",
        "--scale",
        "large",
    ])
    .await;
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"), "{base}");

    let response = http().get(format!("{base}/users/me")).send().await.expect("reachable");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let clients: Value = http()
        .get(format!("{base}/_sim/clients"))
        .send()
        .await
        .expect("clients")
        .json()
        .await
        .expect("json");
    assert_eq!(
        clients["clients"][0]["redirect_uris"],
        serde_json::json!(["http://127.0.0.1:9999/callback"])
    );
    let (_, minted) = post_json(
        format!("{base}/_sim/mint"),
        serde_json::json!({"client_id": "pdauth-demo"}),
    )
    .await;
    let token = minted["tokens"][0]["access_token"].as_str().expect("a token");
    let incidents: Value = http()
        .get(format!("{base}/incidents?total=true&limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("incidents")
        .json()
        .await
        .expect("json");
    assert!(
        incidents["total"].as_u64().is_some_and(|n| n > 10_000),
        "--scale large: {incidents}"
    );

    child.kill().await.expect("killed");
}

#[tokio::test]
async fn binary_stops_cleanly_on_sigterm() {
    let (mut child, base) = spawn(&[]).await;
    assert!(http().get(format!("{base}/_sim/stats")).send().await.is_ok());
    let pid = child.id().expect("pid").to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits in time")
        .expect("wait");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn binary_tls_mode_writes_the_ca_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    let ca_arg = ca.to_str().expect("utf-8 path");
    let (mut child, base) = spawn(&["--tls", "--ca-out", ca_arg]).await;
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let pem = std::fs::read(&ca).expect("CA exists when the URL is printed");
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .build()
        .expect("client");
    let response = client.get(format!("{base}/users/me")).send().await.expect("https");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    child.kill().await.expect("killed");
}

#[tokio::test]
async fn bad_flags_exit_with_status_2() {
    for args in [
        &["--client", "no-equals-sign"][..],
        &["--client", "app=not a url"],
        &["--tls"],
        &["--region", "mars"],
        &["--rate-limit", "0"],
        &["--code-ttl", "0"],
        &["--access-ttl", "0"],
        &["--refresh-ttl", "0"],
        &["--subdomain", "Not_Valid"],
        &["--client", "app=http://h/a", "--client", "app=http://h/b=secret"],
        &["--addr", "nowhere"],
        &["--scale", "huge"],
        &["--seed", "-1"],
    ] {
        let output = Command::new(BIN).args(args).output().await.expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "nothing on stdout for {args:?}");
        assert!(!output.stderr.is_empty(), "an explanation on stderr for {args:?}");
    }
}

/// POSTs JSON to the binary and returns the status and JSON body.
async fn post_json(url: String, body: Value) -> (StatusCode, Value) {
    let response = http().post(url).json(&body).send().await.expect("reachable");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A refresh-token grant for the default client against the binary.
async fn refresh_at(base: &str, token: String) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", pdauth_sim::DEFAULT_CLIENT_ID),
            ("refresh_token", token.as_str()),
        ])
        .send()
        .await
        .expect("token endpoint");
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn one_second_tokens_and_refresh_ttl_follow_the_sandbox_clock() {
    let (mut child, base) = spawn(&["--access-ttl", "1", "--refresh-ttl", "10"]).await;
    let advance = |seconds: u64| post_json(format!("{base}/_sim/clock/advance"), json!({ "seconds": seconds }));
    let refresh = |token: String| refresh_at(&base, token);
    let introspect = |token: String| post_json(format!("{base}/_sim/introspect"), json!({ "token": token }));
    let text = |v: &Value, name: &str| v[name].as_str().expect(name).to_owned();

    let (status, body) = post_json(format!("{base}/_sim/mint"), json!({"client_id": "pdauth-demo"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tokens = body["tokens"][0].clone();
    assert_eq!(tokens["expires_in"], 1);
    let claims = crate::common::jwt_claims(&text(&tokens, "id_token"));
    assert_eq!(
        claims["exp"].as_u64().zip(claims["iat"].as_u64()).map(|(e, i)| e - i),
        Some(1)
    );
    let (_, seen) = introspect(text(&tokens, "refresh_token")).await;
    let (_, access) = introspect(text(&tokens, "access_token")).await;
    let lifetime = seen["expires_at"]
        .as_u64()
        .zip(access["expires_at"].as_u64())
        .map(|(r, a)| r - a);
    assert_eq!(lifetime, Some(9), "refresh lives 10 s, access 1 s");

    assert_eq!(advance(1).await.0, StatusCode::OK);
    let response = http()
        .get(format!("{base}/users/me"))
        .bearer_auth(text(&tokens, "access_token"))
        .send()
        .await
        .expect("users/me");
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a one-second access token expired"
    );
    assert_eq!(introspect(text(&tokens, "access_token")).await.1["state"], "expired");

    let (status, renewed) = refresh(text(&tokens, "refresh_token")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refresh token outlives the access token: {renewed}"
    );
    assert_eq!(renewed["expires_in"], 1);

    assert_eq!(advance(10).await.0, StatusCode::OK);
    let (status, body) = refresh(text(&renewed, "refresh_token")).await;
    assert_eq!(
        (status, body["error"].as_str(), body["error_description"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_grant"),
            Some("refresh token expired")
        )
    );
    let (_, seen) = introspect(text(&renewed, "refresh_token")).await;
    assert_eq!(
        (seen["state"].as_str(), seen["active"].as_bool()),
        (Some("expired"), Some(false))
    );
    let stats: Value = http()
        .get(format!("{base}/_sim/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            stats["live_access_tokens"].as_u64(),
            stats["live_refresh_tokens"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let grants: Value = http()
        .get(format!("{base}/_sim/grants"))
        .send()
        .await
        .expect("grants")
        .json()
        .await
        .expect("json");
    assert_eq!(grants["grants"][0]["live"], false, "nothing usable is left");
    child.kill().await.expect("killed");
}
