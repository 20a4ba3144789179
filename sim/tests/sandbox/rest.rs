//! Helpers for the REST API tests: a sandbox with a minted token, GETs that return status
//! and JSON, walking a paginated list, and checks of reference objects.

use pdauth_sim::{DEFAULT_CLIENT_ID, RunningSim, Scale, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// A sandbox and a token of its owner.
pub struct Api {
    pub sim: RunningSim,
    pub token: String,
}

impl Api {
    /// A sandbox with `config` and a minted token for its first user.
    pub async fn with(config: SimConfig) -> Self {
        let sim = sim(config).await;
        let (status, body) = mint(&sim, json!({"client_id": DEFAULT_CLIENT_ID})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = field(&body["tokens"][0], "access_token").to_owned();
        Self { sim, token }
    }

    /// The default (small) account.
    pub async fn small() -> Self {
        Self::with(SimConfig::default()).await
    }

    /// The large account.
    pub async fn large() -> Self {
        Self::with(SimConfig {
            scale: Scale::Large,
            rate_limit: 100_000,
            ..SimConfig::default()
        })
        .await
    }

    /// GET `path` (with its query) with the token: status and JSON body (`Null` if none).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = http()
            .get(self.sim.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("API request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET that must answer 200.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// GET that must answer 400 with PagerDuty's invalid-input body.
    pub async fn invalid(&self, path: &str) {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], 2001, "{path}: {body}");
        assert_eq!(body["error"]["message"], "Invalid Input Provided");
        assert!(
            body["error"]["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{path}: {body}"
        );
    }

    /// GET that must answer PagerDuty's 404.
    pub async fn missing(&self, path: &str) {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"]["code"], 2100, "{path}: {body}");
    }

    /// Every item of a list, page by page (limit 100), following `more`.
    pub async fn all(&self, path: &str, key: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let page = self.ok(&format!("{path}{separator}limit=100&offset={offset}")).await;
            let batch = page[key].as_array().unwrap_or_else(|| panic!("{key} in {page}"));
            items.extend(batch.iter().cloned());
            offset += 100;
            if page["more"] != true {
                return items;
            }
            assert_eq!(batch.len(), 100, "a page before the last is full");
        }
    }

    /// The owner's id (`/users/me`).
    pub async fn me(&self) -> String {
        field(&self.ok("/users/me").await["user"], "id").to_owned()
    }

    /// POST a JSON body to a hook: status and JSON.
    pub async fn hook(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = http().post(self.sim.url(path)).json(&body).send().await.expect("hook");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Checks a reference object of `kind` (e.g. `user_reference`).
pub fn assert_reference(value: &Value, kind: &str) {
    assert_eq!(value["type"], kind, "{value}");
    for key in ["id", "summary", "self"] {
        assert!(value[key].as_str().is_some_and(|s| !s.is_empty()), "{key} in {value}");
    }
    assert!(value.get("html_url").is_some(), "html_url in {value}");
    assert!(
        value["self"]
            .as_str()
            .is_some_and(|s| s.starts_with("http://127.0.0.1:")),
        "{value}"
    );
}

/// Checks a list envelope: the array, `limit`, `offset`, `more` and `total`.
pub fn assert_envelope<'a>(body: &'a Value, key: &str) -> &'a Vec<Value> {
    for k in ["limit", "offset"] {
        assert!(body[k].is_u64(), "{k} in {body}");
    }
    assert!(body["more"].is_boolean(), "{body}");
    assert!(body.get("total").is_some(), "{body}");
    body[key].as_array().unwrap_or_else(|| panic!("{key} in {body}"))
}

/// The ids of a list.
pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| field(i, "id").to_owned()).collect()
}
