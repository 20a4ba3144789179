//! Benchmark-sized load as a sanity check: ten thousand minted logins, each refreshed once
//! by concurrent clients, with every counter, grant and token accounted for afterwards. No
//! timing is asserted; the benchmark measures that.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pdauth_sim::DEFAULT_CLIENT_ID;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const GRANTS: usize = 10_000;
const WORKERS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_grants_refreshed_once_each() {
    let sim = Arc::new(default_sim().await);
    let (status, body) = mint(&sim, json!({"client_id": DEFAULT_CLIENT_ID, "count": GRANTS})).await;
    assert_eq!(status, StatusCode::OK);
    let minted: Arc<Vec<Value>> = Arc::new(body["tokens"].as_array().expect("tokens").clone());
    assert_eq!(minted.len(), GRANTS);

    let next = Arc::new(AtomicUsize::new(0));
    let client = http();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let (sim, minted, next, client) = (sim.clone(), minted.clone(), next.clone(), client.clone());
        workers.spawn(async move {
            let mut renewed = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(tokens) = minted.get(i) else { break };
                let form = pairs(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", DEFAULT_CLIENT_ID),
                    ("refresh_token", field(tokens, "refresh_token")),
                ]);
                let response = client
                    .post(sim.url("/oauth/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(encode(&form))
                    .send()
                    .await
                    .expect("token endpoint reachable");
                assert_eq!(response.status(), StatusCode::OK);
                let body: Value = response.json().await.expect("json");
                renewed.push((i, field(&body, "refresh_token").to_owned()));
            }
            renewed
        });
    }
    let mut current = vec![String::new(); GRANTS];
    let mut done = 0;
    while let Some(result) = workers.join_next().await {
        for (i, token) in result.expect("worker finished") {
            current[i] = token;
            done += 1;
        }
    }
    assert_eq!(done, GRANTS, "every grant was refreshed exactly once");

    let stats = stats(&sim).await;
    assert_eq!(stats["minted"], GRANTS);
    assert_eq!(
        stats["token_requests"],
        json!({"authorization_code": 0, "refresh_token": GRANTS, "other": 0})
    );
    assert_eq!(stats["token_errors"], 0);
    assert_eq!(stats["live_refresh_tokens"], GRANTS);
    assert_eq!(
        stats["live_access_tokens"],
        2 * GRANTS,
        "minted access tokens are still valid"
    );
    assert_eq!(
        stats["remembered"],
        json!({"codes": 0, "grants": GRANTS, "tokens": 4 * GRANTS})
    );

    // Grants are listed oldest first, which is minting order.
    let list = grants(&sim).await;
    assert_eq!(list.len(), GRANTS);
    for (grant, token) in list.iter().zip(&current) {
        assert_eq!(grant["live"], true);
        assert_eq!(grant["refresh_rotations"], 1);
        assert_eq!(grant["current_refresh_token_suffix"], suffix(token));
    }
    for i in [0, GRANTS / 2, GRANTS - 1] {
        assert_eq!(
            introspect(&sim, field(&minted[i], "refresh_token")).await["state"],
            "rotated"
        );
        assert_eq!(introspect(&sim, &current[i]).await["state"], "live");
    }
}
