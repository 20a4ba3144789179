//! A scripted third-party identity server for what the sandbox never does:
//! token answers chosen by the test (the same tokens twice, odd fields), and
//! a revocation endpoint that records what it was sent. Binds 127.0.0.1:0.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

#[derive(Default)]
struct Script {
    answers: VecDeque<Value>,
    revoked: Vec<String>,
    token_requests: u32,
}

type Shared = Arc<Mutex<Script>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Script> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub struct FakeIdentity {
    /// `http://127.0.0.1:PORT`: `/token`, `/revoke`; anything else is 404.
    pub base: String,
    script: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl FakeIdentity {
    pub async fn start() -> Self {
        let script = Shared::default();
        let app = Router::new()
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, script, server }
    }

    /// The next token request gets `answer` (HTTP 200).
    pub fn answer(&self, answer: Value) {
        lock(&self.script).answers.push_back(answer);
    }

    /// Tokens sent to `/revoke`, in order.
    pub fn revoked(&self) -> Vec<String> {
        lock(&self.script).revoked.clone()
    }

    pub fn token_requests(&self) -> u32 {
        lock(&self.script).token_requests
    }

    /// A profile `name` of pdauthd's config using this server.
    pub fn profile_toml(&self, name: &str, redirect_port: u16) -> String {
        let base = &self.base;
        format!(
            "[profiles.{name}]\nclient_id = \"third-party\"\nredirect_uri = \"http://127.0.0.1:{redirect_port}/callback\"\n\
             scopes = [\"read\"]\nauthorize_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\n\
             revoke_url = \"{base}/revoke\"\napi_url = \"{base}\"\n"
        )
    }
}

impl Drop for FakeIdentity {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn token(State(script): State<Shared>) -> (StatusCode, Json<Value>) {
    let mut s = lock(&script);
    s.token_requests += 1;
    match s.answers.pop_front() {
        Some(answer) => (StatusCode::OK, Json(answer)),
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "no answer scripted"})),
        ),
    }
}

async fn revoke(State(script): State<Shared>, Form(form): Form<Vec<(String, String)>>) -> StatusCode {
    let token = form
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .unwrap_or_default();
    lock(&script).revoked.push(token);
    StatusCode::OK
}
