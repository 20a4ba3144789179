//! Test hooks under `/_sim/` (never part of PagerDuty's surface): counters, "revoke all
//! tokens", fault injection, the client list and the clock.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::FaultRequest;
use crate::reply;
use crate::state::Shared;

/// Largest clock step accepted, in seconds (ten years).
const MAX_ADVANCE_SECS: u64 = 10 * 365 * 86_400;

/// Routes of the test hooks.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/_sim/stats", get(stats))
        .route("/_sim/revoke-all", post(revoke_all))
        .route("/_sim/faults/token", post(fault_token))
        .route("/_sim/faults/api", post(fault_api))
        .route("/_sim/faults/clear", post(clear_faults))
        .route("/_sim/clients", get(clients))
        .route("/_sim/clock/advance", post(advance_clock))
}

fn bad_request(message: impl Into<String>) -> Response {
    reply::json(StatusCode::BAD_REQUEST, &json!({"error": message.into()}))
}

fn ok(body: &Value) -> Response {
    reply::no_store(reply::json(StatusCode::OK, body))
}

/// Reads a JSON body (an empty body counts as `{}`).
async fn json_body<T: for<'de> Deserialize<'de>>(body: Body) -> Result<T, Response> {
    let raw = reply::read_body(body)
        .await
        .map_err(|_| bad_request("body larger than 64 KiB or not received in time"))?;
    let raw: &[u8] = if raw.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &raw
    };
    serde_json::from_slice(raw).map_err(|e| bad_request(format!("invalid JSON body: {e}")))
}

/// `GET /_sim/stats`.
async fn stats(State(state): State<Shared>) -> Response {
    let inner = state.lock();
    let (live_access, live_refresh) = inner.auth.live_counts(state.clock.now());
    let mut body = serde_json::to_value(&inner.counters).unwrap_or_else(|_| json!({}));
    body["live_access_tokens"] = json!(live_access);
    body["live_refresh_tokens"] = json!(live_refresh);
    body["pending_faults"] = json!({"token": inner.token_faults.pending(), "api": inner.api_faults.pending()});
    drop(inner);
    ok(&body)
}

/// `POST /_sim/revoke-all`: what an admin's "Revoke All Tokens" does.
async fn revoke_all(State(state): State<Shared>) -> Response {
    let revoked = state.lock().auth.revoke_all(state.clock.now());
    ok(&json!({ "revoked": revoked }))
}

/// `POST /_sim/faults/token`.
async fn fault_token(State(state): State<Shared>, body: Body) -> Response {
    let request: FaultRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let (fault, times) = match (request.token_fault(), request.times()) {
        (Ok(fault), Ok(times)) => (fault, times),
        (Err(e), _) | (_, Err(e)) => return bad_request(e),
    };
    let mut inner = state.lock();
    inner.token_faults.push(fault, times);
    let pending = inner.token_faults.pending();
    drop(inner);
    ok(&json!({"queued": request.mode, "times": times, "pending": pending}))
}

/// `POST /_sim/faults/api`.
async fn fault_api(State(state): State<Shared>, body: Body) -> Response {
    let request: FaultRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let (fault, times) = match (request.api_fault(), request.times()) {
        (Ok(fault), Ok(times)) => (fault, times),
        (Err(e), _) | (_, Err(e)) => return bad_request(e),
    };
    let mut inner = state.lock();
    inner.api_faults.push(fault, times);
    let pending = inner.api_faults.pending();
    drop(inner);
    ok(&json!({"queued": request.mode, "times": times, "pending": pending}))
}

/// `POST /_sim/faults/clear`.
async fn clear_faults(State(state): State<Shared>) -> Response {
    let mut inner = state.lock();
    let cleared = inner.token_faults.clear() + inner.api_faults.clear();
    drop(inner);
    ok(&json!({ "cleared": cleared }))
}

/// `GET /_sim/clients` (secrets are never shown).
async fn clients(State(state): State<Shared>) -> Response {
    let clients: Vec<Value> = state
        .clients
        .iter()
        .map(|c| json!({"client_id": c.id, "redirect_uris": c.redirect_uris, "confidential": c.is_confidential()}))
        .collect();
    ok(&json!({ "clients": clients }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: u64,
}

/// `POST /_sim/clock/advance` with `{"seconds": N}`: moves the sandbox's clock forward.
async fn advance_clock(State(state): State<Shared>, body: Body) -> Response {
    let advance: Advance = match json_body(body).await {
        Ok(advance) => advance,
        Err(response) => return response,
    };
    if advance.seconds > MAX_ADVANCE_SECS {
        return bad_request(format!("`seconds` must be at most {MAX_ADVANCE_SECS}"));
    }
    state.clock.advance(Duration::from_secs(advance.seconds));
    ok(&json!({ "offset_seconds": state.clock.offset().as_secs() }))
}
