//! Test hooks under `/_sim/` (never part of PagerDuty's surface): counters, "revoke all
//! tokens", fault injection, the client list, the clock, token introspection, the grant
//! list, minting logins without the browser, and changing incidents (`incidents.rs`).

mod incidents;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::faults::FaultRequest;
use crate::grants::TokenState;
use crate::identity::{self, MintError, MintRequest};
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
        .route("/_sim/introspect", post(introspect))
        .route("/_sim/grants", get(grants))
        .route("/_sim/mint", post(mint))
        .merge(incidents::router())
}

pub(super) fn bad_request(message: impl Into<String>) -> Response {
    reply::json(StatusCode::BAD_REQUEST, &json!({"error": message.into()}))
}

fn ok(body: &Value) -> Response {
    reply::no_store(reply::json(StatusCode::OK, body))
}

/// Reads a JSON body (an empty body counts as `{}`).
pub(super) async fn json_body<T: for<'de> Deserialize<'de>>(body: Body) -> Result<T, Response> {
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

/// `GET /_sim/stats`. The lock is held only to read counters kept up to date as requests
/// come in (plus the expiry that has fallen due since the last request); nothing is scanned.
async fn stats(State(state): State<Shared>) -> Response {
    let mut inner = state.lock();
    let (live_access, live_refresh) = inner.auth.live_counts(state.clock.now());
    let remembered = inner.auth.remembered();
    let counters = inner.counters.clone();
    let pending = json!({"token": inner.token_faults.pending(), "api": inner.api_faults.pending()});
    drop(inner);
    let mut body = serde_json::to_value(&counters).unwrap_or_else(|_| json!({}));
    body["live_access_tokens"] = json!(live_access);
    body["live_refresh_tokens"] = json!(live_refresh);
    body["remembered"] = json!({
        "codes": remembered.codes,
        "grants": remembered.grants,
        "tokens": remembered.tokens,
    });
    body["pending_faults"] = pending;
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
    let (fault, times, path) = match (request.api_fault(), request.times(), request.path()) {
        (Ok(fault), Ok(times), Ok(path)) => (fault, times, path),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad_request(e),
    };
    let mut inner = state.lock();
    inner.api_faults.push_for(fault, times, path);
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

/// Seconds since the Unix epoch (0 for times before it).
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntrospectRequest {
    token: String,
}

/// `POST /_sim/introspect` with `{"token": "..."}`: what the sandbox knows about a token,
/// RFC 7662-like.
async fn introspect(State(state): State<Shared>, body: Body) -> Response {
    let request: IntrospectRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let found = state.lock().auth.introspect(&request.token, state.clock.now());
    let body = match found {
        Some(info) => json!({
            "active": info.state == TokenState::Live,
            "kind": info.kind.as_str(),
            "state": info.state.as_str(),
            "client_id": info.grant.client_id,
            "user_id": info.grant.user_id,
            "grant_id": info.grant.grant_id,
            "scope": info.grant.scope,
            "expires_at": unix_seconds(info.expires_at),
        }),
        None => json!({
            "active": false,
            "kind": "unknown",
            "state": "unknown",
            "client_id": null,
            "user_id": null,
            "grant_id": null,
            "scope": null,
            "expires_at": null,
        }),
    };
    ok(&body)
}

/// The last six characters of a token: enough to tell tokens apart, too few to use one.
fn suffix(token: &str) -> &str {
    let start = token.char_indices().rev().nth(5).map_or(0, |(i, _)| i);
    &token[start..]
}

/// `GET /_sim/grants`: every remembered grant, oldest first, without whole tokens.
async fn grants(State(state): State<Shared>) -> Response {
    let mut list = state.lock().auth.grants(state.clock.now());
    list.sort_unstable_by_key(|g| g.grant_id);
    let grants: Vec<Value> = list
        .iter()
        .map(|g| {
            json!({
                "grant_id": g.grant_id,
                "client_id": g.client_id,
                "user_id": g.user_id,
                "live": g.live,
                "refresh_rotations": g.refresh_rotations,
                "current_refresh_token_suffix": g.current_refresh_token.as_deref().map(suffix),
            })
        })
        .collect();
    ok(&json!({ "grants": grants }))
}

/// One minted login, shaped like the token endpoint's answer.
#[derive(Serialize)]
struct Minted<'a> {
    access_token: &'a str,
    refresh_token: Option<&'a str>,
    expires_in: u64,
    scope: &'a str,
    id_token: &'a str,
}

/// The body of a `/_sim/mint` answer.
#[derive(Serialize)]
struct MintAnswer<'a> {
    tokens: Vec<Minted<'a>>,
}

/// `POST /_sim/mint`: creates logged-in grants without the browser dance. The work runs
/// on the blocking pool, so thousands of grants do not stall other requests, and it
/// completes even if the client gives up.
async fn mint(State(state): State<Shared>, body: Body) -> Response {
    let request: MintRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let work = tokio::task::spawn_blocking(move || {
        let issued = identity::mint(&state, &request)?;
        let expires_in = state.access_ttl.as_secs();
        let tokens: Vec<Minted<'_>> = issued
            .iter()
            .map(|t| Minted {
                access_token: &t.access_token,
                refresh_token: t.refresh_token.as_deref(),
                expires_in,
                scope: &t.scope,
                id_token: &t.id_token,
            })
            .collect();
        serde_json::to_string(&MintAnswer { tokens }).map_err(|e| MintError::Server(e.to_string()))
    });
    match work.await {
        Ok(Ok(body)) => reply::no_store(reply::raw_json(StatusCode::OK, body)),
        Ok(Err(MintError::BadRequest(message))) => bad_request(message),
        Ok(Err(MintError::Server(message))) => {
            reply::json(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": message}))
        }
        Err(error) => reply::json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": format!("minting stopped: {error}")}),
        ),
    }
}
