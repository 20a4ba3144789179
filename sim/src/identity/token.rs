//! `POST /oauth/token`: the authorization-code and refresh-token grants, with PagerDuty's
//! response shape and an RS256 id_token. Injected faults are applied first (see
//! `token_faults.rs`); only the faults that answer normally consume codes or tokens.
//!
//! Processing never awaits: once the body is read, codes are spent, refresh tokens rotated
//! and new tokens recorded before the first await that follows. hyper may drop a handler
//! whose client went away, but only at an await, so `delay_after` and `drop_after` always
//! leave the new state behind.

use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::client_auth;
use super::issue::{Issued, issue};
use super::oauth_error::OAuthError;
use super::scope;
use super::token_faults;
use crate::faults::TokenFault;
use crate::form::Params;
use crate::server::ConnectionDrop;
use crate::state::{AppState, Shared};
use crate::{random, reply};

/// Grant types as counted by `/_sim/stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GrantKind {
    AuthorizationCode,
    RefreshToken,
    Other,
}

/// How a successful answer is shaped (some faults change the shape, not the outcome).
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    expires_in_string: bool,
    uppercase_bearer: bool,
    omit_refresh: bool,
}

impl Shape {
    fn from_fault(fault: Option<&TokenFault>) -> Self {
        Self {
            expires_in_string: matches!(fault, Some(TokenFault::ExpiresInString)),
            uppercase_bearer: matches!(fault, Some(TokenFault::UppercaseBearer)),
            omit_refresh: matches!(fault, Some(TokenFault::NoRefreshToken)),
        }
    }
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<Shared>,
    connection: Option<Extension<ConnectionDrop>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let raw = reply::read_body(body).await;
    let is_form = reply::is_form(&headers);
    let params = raw.as_ref().ok().filter(|_| is_form).map(|raw| Params::parse(raw));
    let kind = match params
        .as_ref()
        .and_then(|p| p.as_ref().ok())
        .and_then(|p| p.single("grant_type").ok().flatten())
    {
        Some("authorization_code") => GrantKind::AuthorizationCode,
        Some("refresh_token") => GrantKind::RefreshToken,
        _ => GrantKind::Other,
    };

    let fault = {
        let mut inner = state.lock();
        let counts = &mut inner.counters.token_requests;
        match kind {
            GrantKind::AuthorizationCode => counts.authorization_code += 1,
            GrantKind::RefreshToken => counts.refresh_token += 1,
            GrantKind::Other => counts.other += 1,
        }
        inner.token_faults.take()
    };
    if let Some(response) = fault.as_ref().and_then(|f| token_faults::respond(&state, f)) {
        state.lock().counters.token_errors += 1;
        return response;
    }
    if let Some(TokenFault::Delay { ms }) = fault {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    // From here to the end of `answer`, no await: the outcome is committed in one go.
    let outcome = match (raw, params) {
        (Err(_), _) => Err(OAuthError::invalid_request(
            "request body larger than 64 KiB or not received in time",
        )),
        (Ok(_), None) => Err(OAuthError::invalid_request(
            "the token endpoint takes an application/x-www-form-urlencoded body (not JSON)",
        )),
        (Ok(_), Some(Err(e))) => Err(OAuthError::invalid_request(format!("malformed form body: {e}"))),
        (Ok(_), Some(Ok(params))) => process(&state, &headers, &params, kind, Shape::from_fault(fault.as_ref())),
    };
    let answer = match outcome {
        Ok(response) => response,
        Err(error) => {
            state.lock().counters.token_errors += 1;
            tracing::debug!(error = error.code(), "token request refused");
            error.into_response()
        }
    };

    match fault {
        Some(TokenFault::DelayAfter { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            answer
        }
        Some(TokenFault::DropAfter { ms }) => {
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            drop_connection(connection).await
        }
        Some(TokenFault::GarbledAfter) if answer.status().is_success() => garbled(answer).await,
        _ => answer,
    }
}

/// `answer` with the first half of its body only.
async fn garbled(answer: Response) -> Response {
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, axum::body::Body::from(half))
}

/// Closes the connection without an answer; never completes when that is possible.
async fn drop_connection(connection: Option<Extension<ConnectionDrop>>) -> Response {
    match connection {
        Some(Extension(connection)) => {
            connection.trigger();
            std::future::pending::<Response>().await
        }
        // Only the sandbox's own server loop can drop connections; served any other way,
        // say so instead of hanging.
        None => OAuthError::server_error("drop_after: this connection cannot be dropped").into_response(),
    }
}

fn process(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    kind: GrantKind,
    shape: Shape,
) -> Result<Response, OAuthError> {
    if let Some(name) = params.first_duplicate() {
        return Err(OAuthError::invalid_request(format!(
            "parameter `{name}` was sent more than once"
        )));
    }
    if params.single("grant_type").ok().flatten().is_none() {
        return Err(OAuthError::invalid_request("grant_type is missing"));
    }
    let client = client_auth::authenticate(&state.clients, headers, params)?;
    let get = |name: &str| params.single(name).ok().flatten();
    let required = |name: &str| {
        get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is missing")))
    };
    let issued = match kind {
        GrantKind::AuthorizationCode => {
            let code = required("code")?;
            let redirect_uri = required("redirect_uri")?;
            let verifier = required("code_verifier")?;
            let grant = state
                .lock()
                .auth
                .redeem_code(code, &client.id, redirect_uri, verifier, state.clock.now())
                .map_err(|e| OAuthError::invalid_grant(e.0))?;
            issue(state, &grant, !shape.omit_refresh)?
        }
        GrantKind::RefreshToken => {
            let refresh_token = required("refresh_token")?;
            let rotate = !shape.omit_refresh;
            let mut inner = state.lock();
            let grant = inner
                .auth
                .check_refresh(refresh_token, &client.id, state.clock.now())
                .map_err(|e| OAuthError::invalid_grant(e.0))?;
            if let Some(requested) = get("scope") {
                let granted = scope::split(&grant.scope);
                if let Some(extra) = scope::split(requested).into_iter().find(|s| !granted.contains(s)) {
                    return Err(OAuthError::invalid_scope(format!(
                        "`{extra}` was not granted to this login"
                    )));
                }
            }
            if rotate {
                inner.auth.rotate_refresh(refresh_token);
            }
            drop(inner);
            issue(state, &grant, rotate)?
        }
        GrantKind::Other => {
            return Err(OAuthError::unsupported_grant_type(
                "grant_type must be authorization_code or refresh_token",
            ));
        }
    };
    Ok(success(state, &issued, shape))
}

/// The JSON body of a successful answer.
fn success_body(issued: &Issued, expires_in: u64, shape: Shape) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": if shape.uppercase_bearer { "Bearer" } else { "bearer" },
        "scope": issued.scope,
        "expires_in": if shape.expires_in_string { json!(expires_in.to_string()) } else { json!(expires_in) },
        "id_token": issued.id_token,
    });
    if let (Some(refresh), Some(map)) = (&issued.refresh_token, body.as_object_mut()) {
        map.insert("refresh_token".into(), json!(refresh));
    }
    body
}

fn success(state: &AppState, issued: &Issued, shape: Shape) -> Response {
    let body = success_body(issued, state.access_ttl.as_secs(), shape);
    reply::no_store(reply::json(StatusCode::OK, &body))
}

/// A success-shaped body whose tokens were never issued (for faults that imitate success).
pub fn decoy_body(state: &AppState) -> Value {
    let (access_token, refresh_token) = random::token_pair(state.data.account.region.token_prefix())
        .unwrap_or_else(|_| ("unissued".into(), "unissued".into()));
    let issued = Issued {
        access_token,
        refresh_token: Some(refresh_token),
        scope: "openid".into(),
        id_token: String::new(),
    };
    success_body(&issued, state.access_ttl.as_secs(), Shape::default())
}
