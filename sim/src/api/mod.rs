//! REST API v2 as served at `api.pagerduty.com`: the gate every request passes (request
//! counting by route, injected faults, bearer-token authentication, per-token rate limit
//! and its headers) and the resource routes. One file per resource; `query.rs` and
//! `page.rs` read parameters and paginate, `refs.rs` and `links.rs` build references and
//! URLs.

mod alerts;
mod errors;
mod incident_details;
mod incidents;
mod links;
mod oncalls;
mod page;
mod policies;
mod priorities;
mod query;
mod refs;
mod schedules;
mod services;
mod teams;
mod users;

pub use errors::method_not_allowed;
pub use refs::Ctx;

/// Renders an incident as the REST API does (for the test hooks).
pub fn render_incident(ctx: &Ctx<'_>, store: &crate::data::IncidentStore, idx: usize) -> Option<serde_json::Value> {
    let incident = store.get(idx)?;
    Some(incidents::render(ctx, store, idx, incident, &query::Includes::none()))
}

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use serde_json::Value;

use crate::data::when::{self, Secs};
use crate::faults::ApiFault;
use crate::ratelimit::Verdict;
use crate::reply;
use crate::state::{AppState, Shared};

use errors::ApiError;

/// Who is calling: the grant behind the bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The token's user.
    pub user_id: String,
}

/// What a handler answers: a response or a PagerDuty error.
pub type ApiResult = Result<Response, ApiError>;

/// REST routes behind the gate.
pub fn router(state: Shared) -> Router<Shared> {
    Router::new()
        .route("/incidents", get(incidents::list))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/log_entries", get(incident_details::log_entries))
        .route("/incidents/{id}/notes", get(incident_details::notes))
        .route("/incidents/{id}/alerts", get(alerts::list))
        .route("/incidents/{id}/alerts/{alert_id}", get(alerts::get))
        .route("/log_entries/{id}", get(incident_details::log_entry))
        .route("/priorities", get(priorities::list))
        .route("/services", get(services::list))
        .route("/services/{id}", get(services::get))
        .route("/users", get(users::list))
        .route("/users/me", get(users::me))
        .route("/users/{id}", get(users::get))
        .route("/users/{id}/contact_methods", get(users::contact_methods))
        .route("/users/{id}/contact_methods/{method_id}", get(users::contact_method))
        .route("/schedules", get(schedules::list))
        .route("/schedules/{id}", get(schedules::get))
        .route("/schedules/{id}/users", get(schedules::on_call_users))
        .route("/oncalls", get(oncalls::list))
        .route("/escalation_policies", get(policies::list))
        .route("/escalation_policies/{id}", get(policies::get))
        .route("/teams", get(teams::list))
        .route("/teams/{id}", get(teams::get))
        .route("/teams/{id}/members", get(teams::members))
        .route_layer(middleware::from_fn_with_state(state, gate))
}

/// Fallback for any path the sandbox does not serve.
pub async fn not_found(State(state): State<Shared>) -> Response {
    count(&state, "(unmatched)");
    ApiError::not_found().into_response()
}

/// A 200 JSON answer.
fn ok(body: Value) -> Response {
    reply::json(StatusCode::OK, &body)
}

/// The sandbox's current time.
fn now(state: &AppState) -> Secs {
    when::unix(state.clock.now())
}

/// Sorts positions by a name, case-insensitively (ties keep their order).
fn by_name<'a>(positions: &mut [usize], name: impl Fn(usize) -> &'a str, descending: bool) {
    positions.sort_by_cached_key(|&i| name(i).to_lowercase());
    if descending {
        positions.reverse();
    }
}

/// Counts one REST request under its route template.
fn count(state: &AppState, template: &str) {
    let mut inner = state.lock();
    inner.counters.api_requests += 1;
    match inner.counters.api_requests_by_path.get_mut(template) {
        Some(n) => *n += 1,
        None => {
            inner.counters.api_requests_by_path.insert(template.to_owned(), 1);
        }
    }
}

/// Counting, faults, authentication and rate limiting, in that order.
async fn gate(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path().to_owned(), |m| m.as_str().to_owned());
    count(&state, &template);
    let fault = state.lock().api_faults.take_for(request.uri().path());
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
