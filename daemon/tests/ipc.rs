//! The local socket as a hostile or careless client sees it: handshake,
//! malformed and oversize frames, half-sent frames, vanishing clients. After
//! each, the daemon must keep serving everyone else.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::json;
use support::{RawClient, TestDaemon, simple_config};

async fn still_serving(d: &TestDaemon) {
    let mut c = RawClient::hello(&d.socket()).await;
    let pong = c.request(99, json!({"op": "ping"})).await;
    assert_eq!(pong["ok"]["kind"], "pong", "{pong}");
}

#[tokio::test]
async fn handshake_then_requests() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut c = RawClient::hello(&d.socket()).await;
    let status = c.request(1, json!({"op": "status"})).await;
    let profiles = &status["ok"]["profiles"];
    assert_eq!(profiles[0]["name"], "work");
    assert_eq!(profiles[0]["state"], "logged_out");
    assert_eq!(status["ok"]["storage"]["mode"], "key_file");
    let missing = c.request(2, json!({"op": "token", "profile": "nope"})).await;
    assert_eq!(missing["error"]["code"], "not_found");
    // A huge unknown name is not echoed back whole.
    let huge = c
        .request(4, json!({"op": "token", "profile": "x".repeat(100_000)}))
        .await;
    assert_eq!(huge["error"]["code"], "not_found");
    // The audit log of a name never configured nor recorded is a typo.
    let typo = c.request(5, json!({"op": "audit", "profile": "wrok"})).await;
    assert_eq!(typo["error"]["code"], "not_found", "{typo}");
    let quiet = c.request(6, json!({"op": "audit", "profile": "work"})).await;
    assert_eq!(quiet["ok"]["entries"], json!([]), "{quiet}");
    assert!(huge["error"]["message"].as_str().unwrap().len() < 300, "{huge}");
    let no_token = c.request(3, json!({"op": "token", "profile": "work"})).await;
    assert_eq!(no_token["error"]["code"], "needs_login");
    assert!(
        no_token["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pdauth login work")
    );
    d.stop().await;
}

#[tokio::test]
async fn protocol_mismatch_is_explained_and_closed() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut c = RawClient::connect(&d.socket()).await;
    c.send(json!({"type": "hello", "protocol": 999, "client": "future"}))
        .await;
    let frame = c.recv().await.unwrap();
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["error"]["code"], "protocol_mismatch");
    assert!(frame["error"]["message"].as_str().unwrap().contains("999"));
    assert!(c.recv().await.is_none(), "connection closed after the error");
    still_serving(&d).await;
    d.stop().await;
}

#[tokio::test]
async fn request_before_hello_is_refused() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut c = RawClient::connect(&d.socket()).await;
    c.send(json!({"type": "request", "id": 1, "request": {"op": "status"}}))
        .await;
    let frame = c.recv().await.unwrap();
    assert_eq!(frame["error"]["code"], "invalid_request");
    assert!(c.recv().await.is_none());
    d.stop().await;
}

#[tokio::test]
async fn malformed_frames_close_only_that_connection() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut other = RawClient::hello(&d.socket()).await;
    for junk in [
        &b"{this is not json}\n"[..],
        b"{\"type\":\"request\",\"id\":1,\"request\":{\"op\":\"rm -rf\"}}\n",
        b"\xff\xfe\n",
    ] {
        let mut c = RawClient::hello(&d.socket()).await;
        c.send_raw(junk).await.unwrap();
        let frame = c.recv().await.unwrap();
        assert_eq!(frame["type"], "error", "{frame}");
        assert_eq!(frame["error"]["code"], "invalid_request");
        assert!(c.recv().await.is_none());
    }
    let pong = other.request(5, json!({"op": "ping"})).await;
    assert_eq!(pong["ok"]["kind"], "pong");
    d.stop().await;
}

#[tokio::test]
async fn oversize_frame_is_refused_before_it_is_buffered() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut c = RawClient::hello(&d.socket()).await;
    let chunk = vec![b'a'; 64 * 1024];
    // 1.5 MiB without a newline: past the 1 MiB cap. Writes may start failing
    // once the daemon hangs up; that is fine.
    for _ in 0..24 {
        if c.send_raw(&chunk).await.is_err() {
            break;
        }
    }
    let frame = c.recv().await.expect("an error frame before the close");
    assert_eq!(frame["type"], "error", "{frame}");
    assert!(
        frame["error"]["message"].as_str().unwrap().contains("larger than"),
        "{frame}"
    );
    assert!(c.recv().await.is_none());
    still_serving(&d).await;
    d.stop().await;
}

#[tokio::test]
async fn half_sent_frame_times_out() {
    let mut d = TestDaemon::start_with(&simple_config(), |o| {
        o.limits.partial_frame_timeout = Duration::from_secs(1);
    })
    .await;
    let mut c = RawClient::hello(&d.socket()).await;
    c.send_raw(b"{\"type\":\"request\",\"id\":1,").await.unwrap();
    let frame = c.recv().await.expect("an error frame before closing");
    assert_eq!(frame["type"], "error");
    assert!(c.recv().await.is_none());
    still_serving(&d).await;
    d.stop().await;
}

#[tokio::test]
async fn a_trickling_frame_still_times_out() {
    let mut d = TestDaemon::start_with(&simple_config(), |o| {
        o.limits.partial_frame_timeout = Duration::from_secs(2);
    })
    .await;
    let mut c = RawClient::hello(&d.socket()).await;
    let started = std::time::Instant::now();
    // One byte every half second: the frame grows but never completes.
    let mut closed = false;
    for byte in b"{\"type\":\"request\",\"id\":1,\"request\":{\"op\":\"ping\""
        .iter()
        .cycle()
        .take(40)
    {
        if c.send_raw(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        if started.elapsed() > Duration::from_secs(8) {
            break;
        }
    }
    let frame = c.recv().await;
    assert!(
        closed || frame.is_some_and(|f| f["type"] == "error"),
        "the daemon must cut a trickling frame off"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    still_serving(&d).await;
    d.stop().await;
}

#[tokio::test]
async fn a_second_hello_closes_the_connection() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut c = RawClient::hello(&d.socket()).await;
    c.send(json!({"type": "hello", "protocol": pdauth_common::PROTOCOL_VERSION, "client": "again"}))
        .await;
    let frame = c.recv().await.unwrap();
    assert_eq!(frame["error"]["code"], "invalid_request");
    assert!(c.recv().await.is_none(), "closed after the error");
    d.stop().await;
}

#[tokio::test]
async fn vanishing_client_mid_request_does_not_hurt() {
    let mut d = TestDaemon::start(&simple_config()).await;
    for id in 0..20 {
        let mut c = RawClient::hello(&d.socket()).await;
        c.send(json!({"type": "request", "id": id, "request": {"op": "revoke", "profile": "work"}}))
            .await;
        c.send(json!({"type": "request", "id": id + 100, "request": {"op": "status"}}))
            .await;
        drop(c);
    }
    still_serving(&d).await;
    d.stop().await;
}

#[tokio::test]
async fn subscribe_gets_snapshot_then_events() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mut sub = RawClient::hello(&d.socket()).await;
    let snapshot = sub.request(1, json!({"op": "subscribe"})).await;
    assert_eq!(snapshot["ok"]["kind"], "subscribed");
    assert_eq!(snapshot["ok"]["profiles"][0]["state"], "logged_out");
    let mut other = RawClient::hello(&d.socket()).await;
    let started = other.request(1, json!({"op": "login", "profile": "work"})).await;
    assert_eq!(started["ok"]["kind"], "login_started", "{started}");
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let frame = sub.recv().await.unwrap();
        assert_eq!(frame["type"], "event");
        kinds.push(frame["event"]["kind"].as_str().unwrap().to_string());
        if frame["event"]["kind"] == "health" {
            assert_eq!(frame["event"]["status"]["state"], "login_pending");
        }
    }
    assert_eq!(kinds, vec!["login_started", "health"]);
    let cancelled = other.request(2, json!({"op": "cancel_login", "profile": "work"})).await;
    assert_eq!(cancelled["ok"]["kind"], "login_cancelled");
    let failed = sub.recv().await.unwrap();
    assert_eq!(failed["event"]["kind"], "login_failed");
    d.stop().await;
}

#[tokio::test]
async fn socket_and_state_are_private() {
    let mut d = TestDaemon::start(&simple_config()).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.socket()), 0o600);
    assert_eq!(mode(d.socket().parent().unwrap()), 0o700);
    assert_eq!(mode(&d.state_dir()), 0o700);
    d.stop().await;
    assert!(!d.socket().exists(), "socket removed on stop");
}
