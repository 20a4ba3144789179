//! Services: `GET /services` (`query`, `team_ids[]`, `include[]`, `sort_by=name[:asc|:desc]`)
//! and `/services/{id}`. A service's `status` follows its open incidents (`critical` with a
//! triggered one, `warning` with only acknowledged ones) unless it is disabled or in
//! maintenance; `last_incident_timestamp` follows new incidents too.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::{Includes, Params, name_sort};
use super::refs::Ctx;
use super::teams::render_team;
use super::{ApiResult, by_name, ok, policies};
use crate::data::{IncidentStore, when};
use crate::state::Shared;

/// What `include[]` may expand on services.
const INCLUDES: &[&str] = &[
    "escalation_policies",
    "teams",
    "integrations",
    "auto_pause_notifications_parameters",
];

/// `GET /services`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let descending = name_sort(&params)?;
    let search = params.search()?;
    let teams = params.ids("team_ids", |id| state.data.team_idx(id))?;
    let data = &state.data;
    let mut matched: Vec<usize> = (0..data.services.len())
        .filter(|&s| {
            let service = &data.services[s];
            search.as_ref().is_none_or(|q| service.name.to_lowercase().contains(q))
                && teams
                    .as_ref()
                    .is_none_or(|t| service.teams.iter().any(|x| t.contains(x)))
        })
        .collect();
    by_name(&mut matched, |s| &data.services[s].name, descending);
    let ctx = Ctx::new(&state);
    let store = state.incidents();
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&s| render(&ctx, &store, s, &includes))
        .collect();
    Ok(ok(paging.envelope("services", items, matched.len())))
}

/// `GET /services/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let s = state.data.service_idx(&id).ok_or_else(ApiError::not_found)?;
    let store = state.incidents();
    Ok(ok(
        json!({ "service": render(&Ctx::new(&state), &store, s, &includes) }),
    ))
}

/// A full service object.
pub fn render(ctx: &Ctx<'_>, store: &IncidentStore, s: usize, includes: &Includes) -> Value {
    let Some(service) = ctx.data.services.get(s) else {
        return Value::Null;
    };
    let policy = if includes.has("escalation_policies") {
        policies::render(ctx, store, service.policy, &Includes::none())
    } else {
        ctx.policy_ref(service.policy)
    };
    let teams: Vec<Value> = service
        .teams
        .iter()
        .map(|&t| {
            if includes.has("teams") {
                render_team(ctx, t)
            } else {
                ctx.team_ref(t)
            }
        })
        .collect();
    let mut integration = ctx.integration_ref(s);
    if includes.has("integrations") {
        integration["type"] = json!("events_api_v2_inbound_integration");
        integration["name"] = json!("Events API v2");
        integration["service"] = ctx.service_ref(s);
        integration["created_at"] = json!(when::utc(service.created_at));
    }
    let urgency_rule = if service.support_hours {
        json!({
            "type": "use_support_hours",
            "during_support_hours": {"type": "constant", "urgency": "high"},
            "outside_support_hours": {"type": "constant", "urgency": "low"},
        })
    } else {
        json!({"type": "constant", "urgency": "high"})
    };
    let support_hours = service.support_hours.then(|| {
        json!({
            "type": "fixed_time_per_day",
            "time_zone": "America/New_York",
            "days_of_week": [1, 2, 3, 4, 5],
            "start_time": "09:00:00",
            "end_time": "17:00:00",
        })
    });
    json!({
        "id": service.id,
        "type": "service",
        "summary": service.name,
        "self": ctx.links.api(&format!("/services/{}", service.id)),
        "html_url": ctx.links.web(&format!("/service-directory/{}", service.id)),
        "name": service.name,
        "description": service.description,
        "status": store.service_status(s, service.mode),
        "auto_resolve_timeout": service.auto_resolve_timeout,
        "acknowledgement_timeout": service.acknowledgement_timeout,
        "created_at": when::utc(service.created_at),
        "updated_at": when::utc(service.created_at),
        "last_incident_timestamp": store.last_incident(s).map(when::utc),
        "escalation_policy": policy,
        "teams": teams,
        "integrations": [integration],
        "alert_creation": "create_alerts_and_incidents",
        "alert_grouping_parameters": {"type": null},
        "incident_urgency_rule": urgency_rule,
        "support_hours": support_hours,
        "scheduled_actions": [],
        "addons": [],
        "response_play": null,
        "auto_pause_notifications_parameters": {"enabled": false, "timeout": null},
    })
}
