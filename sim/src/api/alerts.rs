//! Alerts of an incident: `GET /incidents/{id}/alerts` (paginated, `statuses[]` of
//! `triggered`/`resolved`) and `/incidents/{id}/alerts/{alert_id}`. Their `body.details`
//! carry the monitoring event's custom fields.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::Params;
use super::refs::Ctx;
use super::{ApiResult, ok};
use crate::data::{Alert, Incident, IncidentStore, alerts_of};
use crate::state::Shared;

/// `GET /incidents/{id}/alerts`.
pub async fn list(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let statuses = params.set_of("statuses", &["triggered", "resolved"])?;
    let store = state.incidents();
    let idx = store.index_of(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    let alerts: Vec<Alert> = alerts_of(&state.data, incident)
        .into_iter()
        .filter(|a| statuses.is_empty() || statuses.contains(&status(a)))
        .collect();
    let ctx = Ctx::new(&state);
    let items = alerts[paging.window(alerts.len())]
        .iter()
        .map(|a| render(&ctx, &store, idx, incident, a))
        .collect();
    Ok(ok(paging.envelope("alerts", items, alerts.len())))
}

/// `GET /incidents/{id}/alerts/{alert_id}`.
pub async fn get(State(state): State<Shared>, Path((id, alert_id)): Path<(String, String)>) -> ApiResult {
    let store = state.incidents();
    let idx = store.index_of(&id).ok_or_else(ApiError::not_found)?;
    let incident = store.get(idx).ok_or_else(ApiError::not_found)?;
    let n = store.alert_of(idx, &alert_id).ok_or_else(ApiError::not_found)?;
    let alert = alerts_of(&state.data, incident)
        .into_iter()
        .nth(n)
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(
        json!({ "alert": render(&Ctx::new(&state), &store, idx, incident, &alert) }),
    ))
}

fn status(alert: &Alert) -> &'static str {
    if alert.resolved { "resolved" } else { "triggered" }
}

fn render(ctx: &Ctx<'_>, store: &IncidentStore, idx: usize, incident: &Incident, alert: &Alert) -> Value {
    let id = store.alert_id(idx, alert.index);
    let details: Map<String, Value> = alert
        .details
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect();
    json!({
        "id": id,
        "type": "alert",
        "summary": alert.summary,
        "self": ctx.links.api(&format!("/incidents/{}/alerts/{id}", incident.id)),
        "html_url": ctx.links.web(&format!("/alerts/{id}")),
        "created_at": ctx.time(alert.created_at),
        "status": status(alert),
        "alert_key": alert.alert_key,
        "service": ctx.service_ref(incident.service),
        "incident": ctx.incident_ref(incident),
        "integration": ctx.integration_ref(incident.service),
        "suppressed": false,
        "severity": alert.severity,
        "body": {
            "type": "alert_body",
            "contexts": [],
            "details": details,
        },
    })
}
