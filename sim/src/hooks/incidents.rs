//! Incident hooks: `POST /_sim/incidents` opens an incident on a service; `.../{id}/
//! acknowledge`, `/resolve`, `/reassign` and `/note` change one. Each change is recorded
//! as log entries and moves `updated_at` and `last_status_change_at`, so a client polling
//! `/incidents` sees it. Answers carry the incident as `GET /incidents/{id}` would.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use super::{bad_request, json_body};
use crate::api::{Ctx, render_incident};
use crate::data::when::{self, Secs};
use crate::data::{HookError, IncidentStore, Urgency};
use crate::reply;
use crate::state::{AppState, Shared};

/// Longest title accepted (PagerDuty's summary limit).
const MAX_TITLE_CHARS: usize = 1024;
/// Longest note accepted.
const MAX_NOTE_CHARS: usize = 25_000;

/// Routes of the incident hooks.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/_sim/incidents", post(create))
        .route("/_sim/incidents/{id}/acknowledge", post(acknowledge))
        .route("/_sim/incidents/{id}/resolve", post(resolve))
        .route("/_sim/incidents/{id}/reassign", post(reassign))
        .route("/_sim/incidents/{id}/note", post(note))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    service_id: String,
    title: String,
    urgency: Option<String>,
}

/// Who acts: `user_id`, by default whoever the incident makes most sense for.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActRequest {
    user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReassignRequest {
    user_id: String,
    by_user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteRequest {
    content: String,
    user_id: Option<String>,
}

fn not_found(id: &str) -> Response {
    reply::json(StatusCode::NOT_FOUND, &json!({"error": format!("no incident `{id}`")}))
}

fn now(state: &AppState) -> Secs {
    when::unix(state.clock.now())
}

/// The incident as the API renders it, with `status`.
fn answer(state: &AppState, store: &IncidentStore, idx: usize, status: StatusCode) -> Response {
    let body = render_incident(&Ctx::new(state), store, idx).unwrap_or(serde_json::Value::Null);
    reply::no_store(reply::json(status, &json!({ "incident": body })))
}

/// A seeded user named in a request.
fn user(state: &AppState, id: Option<&str>, default: usize) -> Result<usize, HookError> {
    match id {
        None => Ok(default),
        Some(id) => state
            .data
            .user_idx(id)
            .ok_or_else(|| HookError::Invalid(format!("`{id}` is not a seeded user"))),
    }
}

/// `POST /_sim/incidents`.
async fn create(State(state): State<Shared>, body: Body) -> Response {
    let request: CreateRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let Some(service) = state.data.service_idx(&request.service_id) else {
        return bad_request(format!("`{}` is not a seeded service", request.service_id));
    };
    let urgency = match request.urgency.as_deref() {
        None => Urgency::High,
        Some(text) => match Urgency::parse(text) {
            Some(u) => u,
            None => return bad_request("`urgency` must be `high` or `low`"),
        },
    };
    let length = request.title.chars().count();
    if request.title.trim().is_empty() || length > MAX_TITLE_CHARS {
        return bad_request(format!("`title` must have 1 to {MAX_TITLE_CHARS} characters"));
    }
    let mut store = state.incidents_mut();
    match store.create(&state.data, service, request.title, urgency, now(&state)) {
        Ok(idx) => answer(&state, &store, idx, StatusCode::CREATED),
        Err(HookError::Invalid(message)) => bad_request(message),
    }
}

/// Runs a change on the incident `id`.
fn change(
    state: &AppState,
    id: &str,
    apply: impl FnOnce(&mut IncidentStore, usize) -> Result<(), HookError>,
) -> Response {
    let mut store = state.incidents_mut();
    let Some(idx) = store.index_of(id) else {
        return not_found(id);
    };
    match apply(&mut store, idx) {
        Ok(()) => answer(state, &store, idx, StatusCode::OK),
        Err(HookError::Invalid(message)) => bad_request(message),
    }
}

/// The first assignee of an incident, or the account owner.
fn assignee(store: &IncidentStore, idx: usize) -> usize {
    store
        .get(idx)
        .and_then(|i| i.assignments.first())
        .map_or(0, |&(u, _)| u)
}

/// `POST /_sim/incidents/{id}/acknowledge` with `{"user_id"?}` (default the assignee).
async fn acknowledge(State(state): State<Shared>, Path(id): Path<String>, body: Body) -> Response {
    let request: ActRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let at = now(&state);
    change(&state, &id, |store, idx| {
        let by = user(&state, request.user_id.as_deref(), assignee(store, idx))?;
        store.acknowledge(idx, by, at)
    })
}

/// `POST /_sim/incidents/{id}/resolve` with `{"user_id"?}` (default the assignee).
async fn resolve(State(state): State<Shared>, Path(id): Path<String>, body: Body) -> Response {
    let request: ActRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let at = now(&state);
    change(&state, &id, |store, idx| {
        let by = user(&state, request.user_id.as_deref(), assignee(store, idx))?;
        store.resolve(idx, by, at)
    })
}

/// `POST /_sim/incidents/{id}/reassign` with `{"user_id", "by_user_id"?}`.
async fn reassign(State(state): State<Shared>, Path(id): Path<String>, body: Body) -> Response {
    let request: ReassignRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let at = now(&state);
    change(&state, &id, |store, idx| {
        let to = user(&state, Some(&request.user_id), 0)?;
        let by = user(&state, request.by_user_id.as_deref(), assignee(store, idx))?;
        store.reassign(&state.data, idx, to, by, at)
    })
}

/// `POST /_sim/incidents/{id}/note` with `{"content", "user_id"?}`.
async fn note(State(state): State<Shared>, Path(id): Path<String>, body: Body) -> Response {
    let request: NoteRequest = match json_body(body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    if request.content.trim().is_empty() || request.content.chars().count() > MAX_NOTE_CHARS {
        return bad_request(format!("`content` must have 1 to {MAX_NOTE_CHARS} characters"));
    }
    let at = now(&state);
    change(&state, &id, |store, idx| {
        let by = user(&state, request.user_id.as_deref(), assignee(store, idx))?;
        store.annotate(idx, by, request.content, at)
    })
}
