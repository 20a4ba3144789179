//! Incidents: `GET /incidents` and `/incidents/{id}`, their filters (`statuses[]`,
//! `urgencies[]`, `service_ids[]`, `team_ids[]`, `user_ids[]` = currently assigned,
//! `since`/`until`/`date_range=all` on `created_at`, `query` on the title), `sort_by`
//! and `include[]`, and the JSON shape of an incident. Without a range PagerDuty lists the
//! last 30 days only, oldest first, and so does the sandbox.

use std::cmp::Ordering;

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::incident_details::first_trigger_log_entry;
use super::page::Paging;
use super::query::{Includes, Params};
use super::refs::Ctx;
use super::teams::render_team;
use super::{ApiResult, ok, policies, services, users};
use crate::data::when::{DAY, Secs};
use crate::data::{Actor, Incident, IncidentStore, Status, Urgency};
use crate::state::Shared;

/// What `include[]` may name on incidents.
const INCLUDES: &[&str] = &[
    "acknowledgers",
    "agents",
    "assignees",
    "conference_bridge",
    "escalation_policies",
    "first_trigger_log_entries",
    "priorities",
    "services",
    "teams",
    "users",
];
/// The range listed when none is given.
const DEFAULT_RANGE: Secs = 30 * DAY;
/// The longest range accepted.
const MAX_RANGE: Secs = 180 * DAY;

/// Which incidents a list asks for.
struct Filter {
    statuses: Vec<Status>,
    urgencies: Vec<Urgency>,
    services: Option<std::collections::HashSet<usize>>,
    teams: Option<std::collections::HashSet<usize>>,
    users: Option<std::collections::HashSet<usize>>,
    range: Option<(Secs, Secs)>,
    search: Option<String>,
}

impl Filter {
    fn parse(params: &Params, state: &crate::state::AppState, now: Secs) -> Result<Self, ApiError> {
        let data = &state.data;
        let statuses = params
            .set_of("statuses", &["triggered", "acknowledged", "resolved"])?
            .into_iter()
            .filter_map(Status::parse)
            .collect();
        let urgencies = params
            .set_of("urgencies", &["high", "low"])?
            .into_iter()
            .filter_map(Urgency::parse)
            .collect();
        let range = match params.scalar("date_range")? {
            Some("all") => None,
            Some(other) => return Err(ApiError::invalid(format!("`date_range` must be `all`, not `{other}`"))),
            None => {
                let since = params.instant("since")?;
                let until = params.instant("until")?;
                // A defaulted end includes the current second, so an incident opened
                // just now is listed at once.
                let end = now + 1;
                let (since, until) = match (since, until) {
                    (Some(s), Some(u)) => (s, u),
                    (Some(s), None) => (s, end.max(s)),
                    (None, Some(u)) => (u - DEFAULT_RANGE, u),
                    (None, None) => (end - DEFAULT_RANGE, end),
                };
                if until < since {
                    return Err(ApiError::invalid("`until` must not be before `since`"));
                }
                if until - since > MAX_RANGE {
                    return Err(ApiError::invalid(
                        "the range from `since` to `until` must be at most 6 months",
                    ));
                }
                Some((since, until))
            }
        };
        Ok(Self {
            statuses,
            urgencies,
            services: params.ids("service_ids", |id| data.service_idx(id))?,
            teams: params.ids("team_ids", |id| data.team_idx(id))?,
            users: params.ids("user_ids", |id| data.user_idx(id))?,
            range,
            search: params.search()?,
        })
    }

    fn matches(&self, state: &crate::state::AppState, i: &Incident) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&i.status))
            && (self.urgencies.is_empty() || self.urgencies.contains(&i.urgency))
            && self
                .range
                .is_none_or(|(since, until)| i.created_at >= since && i.created_at < until)
            && self.services.as_ref().is_none_or(|s| s.contains(&i.service))
            && self.users.as_ref().is_none_or(|u| u.iter().any(|&u| i.assigned_to(u)))
            && self.teams.as_ref().is_none_or(|t| {
                state
                    .data
                    .services
                    .get(i.service)
                    .is_some_and(|s| s.teams.iter().any(|x| t.contains(x)))
            })
            && self.search.as_ref().is_none_or(|q| i.title.to_lowercase().contains(q))
    }
}

/// A sort key of `sort_by`.
#[derive(Clone, Copy)]
enum Key {
    Number,
    Created,
    Resolved,
    Urgency,
}

/// Parses `sort_by`: up to two `field[:asc|:desc]` separated by commas.
fn parse_sort(params: &Params) -> Result<Vec<(Key, bool)>, ApiError> {
    let Some(text) = params.scalar("sort_by")? else {
        return Ok(vec![(Key::Created, false)]);
    };
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > 2 {
        return Err(ApiError::invalid("`sort_by` takes at most two fields"));
    }
    parts
        .into_iter()
        .map(|part| {
            let (field, direction) = part.split_once(':').unwrap_or((part, "asc"));
            let key = match field {
                "incident_number" => Key::Number,
                "created_at" => Key::Created,
                "resolved_at" => Key::Resolved,
                "urgency" => Key::Urgency,
                _ => {
                    return Err(ApiError::invalid(format!(
                        "`sort_by` field `{field}` is not one of incident_number, created_at, resolved_at, urgency"
                    )));
                }
            };
            match direction {
                "asc" => Ok((key, false)),
                "desc" => Ok((key, true)),
                _ => Err(ApiError::invalid(format!(
                    "`sort_by` direction `{direction}` is not asc or desc"
                ))),
            }
        })
        .collect()
}

/// Compares by the keys, then by number. An unresolved incident's `resolved_at` sorts
/// after every time (last ascending, first descending); `low` urgency sorts before `high`.
fn compare(keys: &[(Key, bool)], a: &Incident, b: &Incident) -> Ordering {
    keys.iter()
        .map(|&(key, descending)| {
            let order = match key {
                Key::Number => a.number.cmp(&b.number),
                Key::Created => a.created_at.cmp(&b.created_at),
                Key::Resolved => {
                    (a.resolved_at.is_none(), a.resolved_at).cmp(&(b.resolved_at.is_none(), b.resolved_at))
                }
                Key::Urgency => a.urgency.rank().cmp(&b.urgency.rank()),
            };
            if descending { order.reverse() } else { order }
        })
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.number.cmp(&b.number))
}

/// `GET /incidents`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let filter = Filter::parse(&params, &state, super::now(&state))?;
    let keys = parse_sort(&params)?;
    let store = state.incidents();
    let mut matched: Vec<(usize, &Incident)> = store
        .all()
        .iter()
        .enumerate()
        .filter(|(_, i)| filter.matches(&state, i))
        .collect();
    matched.sort_by(|a, b| compare(&keys, a.1, b.1));
    let ctx = Ctx::new(&state);
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&(idx, i)| render(&ctx, &store, idx, i, &includes))
        .collect();
    Ok(ok(paging.envelope("incidents", items, matched.len())))
}

/// `GET /incidents/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let store = state.incidents();
    let idx = store.index_of(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    Ok(ok(
        json!({ "incident": render(&Ctx::new(&state), &store, idx, incident, &includes) }),
    ))
}

/// The reference of whoever made a change.
pub fn actor_ref(ctx: &Ctx<'_>, incident: &Incident, actor: Actor) -> Value {
    match actor {
        Actor::User(u) => ctx.user_ref(u),
        Actor::Service | Actor::System => ctx.service_ref(incident.service),
    }
}

/// A full incident object.
pub fn render(ctx: &Ctx<'_>, store: &IncidentStore, idx: usize, incident: &Incident, includes: &Includes) -> Value {
    let path = format!("/incidents/{}", incident.id);
    let service = ctx.data.services.get(incident.service);
    let policy = service.map(|s| s.policy);
    let user = |u: usize, expand: bool| {
        if expand || includes.has("users") {
            users::render(ctx, u, &Includes::none())
        } else {
            ctx.user_ref(u)
        }
    };
    let assignments: Vec<Value> = incident
        .assignments
        .iter()
        .map(|&(u, at)| json!({"at": ctx.time(at), "assignee": user(u, includes.has("assignees"))}))
        .collect();
    let acknowledgements: Vec<Value> = incident
        .acknowledgements
        .iter()
        .map(|&(u, at)| json!({"at": ctx.time(at), "acknowledger": user(u, includes.has("acknowledgers"))}))
        .collect();
    let teams: Vec<Value> = service
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
    let alerts = i64::from(incident.alerts);
    let resolved_alerts = if incident.status == Status::Resolved { alerts } else { 0 };
    let slug = service.map_or(String::new(), |s| s.name.to_lowercase().replace(' ', "-"));
    json!({
        "id": incident.id,
        "type": "incident",
        "summary": incident.summary(),
        "self": ctx.links.api(&path),
        "html_url": ctx.links.web(&path),
        "incident_number": incident.number,
        "title": incident.title,
        "description": incident.title,
        "created_at": ctx.time(incident.created_at),
        "updated_at": ctx.time(incident.updated_at),
        "status": incident.status.as_str(),
        "incident_key": format!("{slug}/{:x}", incident.number),
        "service": if includes.has("services") {
            services::render(ctx, store, incident.service, &Includes::none())
        } else {
            ctx.service_ref(incident.service)
        },
        "assignments": assignments,
        "assigned_via": "escalation_policy",
        "last_status_change_at": ctx.time(incident.last_status_change_at),
        "last_status_change_by": actor_ref(ctx, incident, incident.last_status_change_by),
        "first_trigger_log_entry": first_trigger_log_entry(ctx, store, idx, incident, includes.has("first_trigger_log_entries")),
        "alert_counts": {"all": alerts, "triggered": alerts - resolved_alerts, "resolved": resolved_alerts},
        "is_mergeable": true,
        "escalation_policy": match policy {
            Some(p) if includes.has("escalation_policies") => policies::render(ctx, store, p, &Includes::none()),
            Some(p) => ctx.policy_ref(p),
            None => Value::Null,
        },
        "teams": teams,
        "pending_actions": [],
        "acknowledgements": acknowledgements,
        "basic_alert_grouping": null,
        "alert_grouping": null,
        "priority": incident.priority.map_or(Value::Null, |p| ctx.priority(p)),
        "urgency": incident.urgency.as_str(),
        "resolve_reason": null,
        "resolved_at": incident.resolved_at.map(|t| ctx.time(t)),
        "conference_bridge": if includes.has("conference_bridge") {
            json!({"conference_number": null, "conference_url": null})
        } else {
            Value::Null
        },
        "incidents_responders": [],
        "responder_requests": [],
    })
}
