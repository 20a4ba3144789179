//! The real `pdauth-sim` binary: first stdout line, flags, exit codes and signals.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
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
        &["--subdomain", "Not_Valid"],
        &["--client", "app=http://h/a", "--client", "app=http://h/b=secret"],
        &["--addr", "nowhere"],
    ] {
        let output = Command::new(BIN).args(args).output().await.expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "nothing on stdout for {args:?}");
        assert!(!output.stderr.is_empty(), "an explanation on stderr for {args:?}");
    }
}
