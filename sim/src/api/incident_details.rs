//! What an incident's detail view shows: `/incidents/{id}/log_entries` (newest first,
//! paginated, `is_overview`, `include[]`), `/log_entries/{id}` and
//! `/incidents/{id}/notes` (oldest first, not paginated).

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::incidents::{self, actor_ref};
use super::page::Paging;
use super::query::{Includes, Params};
use super::refs::Ctx;
use super::teams::render_team;
use super::{ApiResult, ok, services};
use crate::data::{Actor, Channel, ContactKind, EventKind, Incident, IncidentStore};
use crate::state::Shared;

/// What `include[]` may name on log entries.
const INCLUDES: &[&str] = &["incidents", "services", "channels", "teams"];

/// `GET /incidents/{id}/log_entries`.
pub async fn log_entries(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let overview = params.flag("is_overview")?;
    let store = state.incidents();
    let idx = store.index_of(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    let order: Vec<usize> = (0..incident.events.len())
        .rev()
        .filter(|&e| !overview || incident.events[e].kind.in_overview())
        .collect();
    let ctx = Ctx::new(&state);
    let items = order[paging.window(order.len())]
        .iter()
        .map(|&e| render_log_entry(&ctx, &store, idx, incident, e, &includes))
        .collect();
    Ok(ok(paging.envelope("log_entries", items, order.len())))
}

/// `GET /log_entries/{id}`.
pub async fn log_entry(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let store = state.incidents();
    let (idx, event) = store.log_entry(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    let ctx = Ctx::new(&state);
    Ok(ok(
        json!({ "log_entry": render_log_entry(&ctx, &store, idx, incident, event, &includes) }),
    ))
}

/// `GET /incidents/{id}/notes`.
pub async fn notes(State(state): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let store = state.incidents();
    let idx = store.index_of(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    let ctx = Ctx::new(&state);
    let notes: Vec<Value> = incident
        .notes
        .iter()
        .enumerate()
        .map(|(n, note)| {
            json!({
                "id": store.note_id(idx, n),
                "user": ctx.user_ref(note.user),
                "content": note.content,
                "created_at": ctx.time(note.at),
                "channel": {"summary": "The PagerDuty website or APIs"},
            })
        })
        .collect();
    Ok(ok(json!({ "notes": notes })))
}

/// The incident's `first_trigger_log_entry`: a reference, or the whole entry.
pub fn first_trigger_log_entry(
    ctx: &Ctx<'_>,
    store: &IncidentStore,
    idx: usize,
    incident: &Incident,
    whole: bool,
) -> Value {
    let Some(e) = incident.events.iter().position(|e| e.kind == EventKind::Trigger) else {
        return Value::Null;
    };
    if whole {
        return render_log_entry(ctx, store, idx, incident, e, &Includes::none());
    }
    let id = store.log_entry_id(idx, e);
    json!({
        "id": id,
        "type": "trigger_log_entry_reference",
        "summary": summary(ctx, incident, e),
        "self": ctx.links.api(&format!("/log_entries/{id}")),
        "html_url": ctx.links.web(&format!("/incidents/{}/log_entries/{id}", incident.id)),
    })
}

fn name(ctx: &Ctx<'_>, u: usize) -> String {
    ctx.data
        .users
        .get(u)
        .map_or_else(|| "a former user".to_owned(), |user| user.name.clone())
}

fn method_label(method: ContactKind) -> &'static str {
    match method {
        ContactKind::Email => "email",
        ContactKind::Phone => "phone",
        ContactKind::Sms => "SMS",
        ContactKind::Push => "push notification",
    }
}

/// The one-line summary PagerDuty gives a log entry.
fn summary(ctx: &Ctx<'_>, incident: &Incident, e: usize) -> String {
    let Some(event) = incident.events.get(e) else {
        return String::new();
    };
    let by = match event.agent {
        Actor::User(u) => name(ctx, u),
        Actor::Service | Actor::System => "the service".to_owned(),
    };
    match event.kind {
        EventKind::Trigger if event.channel == Channel::WebTrigger => "Triggered through the website.".to_owned(),
        EventKind::Trigger => "Triggered through the API.".to_owned(),
        EventKind::Assign { user } => format!("Assigned to {}.", name(ctx, user)),
        EventKind::Escalate { level, user } if event.channel == Channel::Timeout => {
            format!(
                "Escalated to {} (level {level}): not acknowledged in time.",
                name(ctx, user)
            )
        }
        EventKind::Escalate { level, user } => {
            format!(
                "Escalated to {} (level {level}): nobody on call at the levels below.",
                name(ctx, user)
            )
        }
        EventKind::Reassign { user } => format!("Reassigned to {} by {by}.", name(ctx, user)),
        EventKind::Notify { user, method } => format!("Notified {} by {}.", name(ctx, user), method_label(method)),
        EventKind::Acknowledge => format!("Acknowledged by {by}."),
        EventKind::Annotate => format!("Note added by {by}."),
        EventKind::Resolve if event.agent == Actor::Service => "Resolved through the API.".to_owned(),
        EventKind::Resolve => format!("Resolved by {by}."),
    }
}

/// One log entry.
pub fn render_log_entry(
    ctx: &Ctx<'_>,
    store: &IncidentStore,
    idx: usize,
    incident: &Incident,
    e: usize,
    includes: &Includes,
) -> Value {
    let Some(event) = incident.events.get(e).copied() else {
        return Value::Null;
    };
    let id = store.log_entry_id(idx, e);
    let teams: Vec<Value> = ctx
        .data
        .services
        .get(incident.service)
        .map(|s| s.teams.as_slice())
        .unwrap_or(&[])
        .iter()
        .map(|&t| {
            if includes.has("teams") {
                render_team(ctx, t)
            } else {
                ctx.team_ref(t)
            }
        })
        .collect();
    let agent = match event.agent {
        Actor::User(_) => actor_ref(ctx, incident, event.agent),
        Actor::Service => ctx.integration_ref(incident.service),
        Actor::System => Value::Null,
    };
    let mut channel = json!({ "type": event.channel.as_str() });
    if event.kind == EventKind::Trigger {
        channel["summary"] = json!(incident.title);
    }
    let mut body = json!({
        "id": id,
        "type": event.kind.log_type(),
        "summary": summary(ctx, incident, e),
        "self": ctx.links.api(&format!("/log_entries/{id}")),
        "html_url": ctx.links.web(&format!("/incidents/{}/log_entries/{id}", incident.id)),
        "created_at": ctx.time(event.at),
        "agent": agent,
        "channel": channel,
        "service": if includes.has("services") {
            services::render(ctx, store, incident.service, &Includes::none())
        } else {
            ctx.service_ref(incident.service)
        },
        "incident": if includes.has("incidents") {
            incidents::render(ctx, store, idx, incident, &Includes::none())
        } else {
            ctx.incident_ref(incident)
        },
        "teams": teams,
        "contexts": [],
        "event_details": {},
    });
    match event.kind {
        EventKind::Trigger => body["event_details"] = json!({ "description": incident.title }),
        EventKind::Assign { user } | EventKind::Reassign { user } | EventKind::Escalate { user, .. } => {
            body["assignees"] = json!([ctx.user_ref(user)]);
        }
        EventKind::Notify { user, method } => {
            body["user"] = ctx.user_ref(user);
            body["channel"] = json!({ "type": method.channel() });
        }
        EventKind::Acknowledge | EventKind::Annotate | EventKind::Resolve => {}
    }
    body
}
