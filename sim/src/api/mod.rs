//! REST API v2 as served at `api.pagerduty.com`: the gate every request passes (injected
//! faults, bearer-token authentication, per-token rate limit and its headers) and the
//! resource routes. One file per resource; `links.rs` builds URLs and reference objects.

mod errors;
mod links;
mod users;

pub use errors::method_not_allowed;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::faults::ApiFault;
use crate::ratelimit::Verdict;
use crate::state::Shared;

use errors::ApiError;

/// Who is calling: the grant behind the bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The token's user.
    pub user_id: String,
}

/// REST routes behind the gate.
pub fn router(state: Shared) -> Router<Shared> {
    Router::new()
        .route("/users/me", get(users::me))
        .route_layer(middleware::from_fn_with_state(state, gate))
}

/// Fallback for any path the sandbox does not serve.
pub async fn not_found(State(state): State<Shared>) -> Response {
    state.lock().counters.api_requests += 1;
    ApiError::not_found().into_response()
}

/// Faults, authentication and rate limiting, in that order.
async fn gate(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let fault = {
        let mut inner = state.lock();
        inner.counters.api_requests += 1;
        inner.api_faults.take()
    };
    match fault {
        Some(ApiFault::Html401) => return html_401(),
        Some(ApiFault::Status { status, message }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return ApiError::new(status, message).into_response();
        }
        Some(ApiFault::TooManyWithoutHeaders) => return StatusCode::TOO_MANY_REQUESTS.into_response(),
        Some(ApiFault::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => {}
    }

    let Some(token) = bearer_token(request.headers()) else {
        return ApiError::authentication_failed().into_response();
    };
    let now = state.clock.now();
    let (caller, verdict) = {
        let mut inner = state.lock();
        let Some(grant) = inner.auth.authenticate(&token, now) else {
            return ApiError::authentication_failed().into_response();
        };
        let verdict = inner.limiter.charge(&token, state.rate_limit, now);
        if !verdict.allowed {
            inner.counters.rate_limited += 1;
        }
        (Caller { user_id: grant.user_id }, verdict)
    };
    let mut response = if verdict.allowed {
        request.extensions_mut().insert(caller);
        next.run(request).await
    } else {
        ApiError::rate_limited().into_response()
    };
    add_rate_headers(response.headers_mut(), verdict);
    response
}

/// The token of an `Authorization: Bearer` header. API keys (`Token token=...`) are not
/// issued by the sandbox, so they never authenticate.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

fn add_rate_headers(headers: &mut HeaderMap, verdict: Verdict) {
    for (name, value) in [
        ("ratelimit-limit", u64::from(verdict.limit)),
        ("ratelimit-remaining", u64::from(verdict.remaining)),
        ("ratelimit-reset", verdict.reset_secs),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

/// A 401 with an HTML body, as PagerDuty's edge sometimes answers.
fn html_401() -> Response {
    let page = "<!DOCTYPE html>\n<html><head><title>401 Unauthorized</title></head>\
                <body><h1>401 Unauthorized</h1></body></html>\n";
    let mut response = (StatusCode::UNAUTHORIZED, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
