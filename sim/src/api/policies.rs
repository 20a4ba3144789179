//! Escalation policies: `GET /escalation_policies` (`query`, `team_ids[]`, `user_ids[]`,
//! `include[]`, `sort_by=name[:asc|:desc]`) and `/escalation_policies/{id}`. `user_ids[]`
//! matches users targeted directly or through a targeted schedule.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::{Includes, Params, name_sort};
use super::refs::Ctx;
use super::teams::render_team;
use super::{ApiResult, by_name, ok, schedules, services, users};
use crate::data::{IncidentStore, Target};
use crate::state::Shared;

/// What `include[]` may expand on escalation policies.
const INCLUDES: &[&str] = &["services", "teams", "targets"];

/// `GET /escalation_policies`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let descending = name_sort(&params)?;
    let search = params.search()?;
    let data = &state.data;
    let teams = params.ids("team_ids", |id| data.team_idx(id))?;
    let user_filter = params.ids("user_ids", |id| data.user_idx(id))?;
    let mut matched: Vec<usize> = (0..data.policies.len())
        .filter(|&p| {
            let policy = &data.policies[p];
            search.as_ref().is_none_or(|q| policy.name.to_lowercase().contains(q))
                && teams
                    .as_ref()
                    .is_none_or(|t| policy.teams.iter().any(|x| t.contains(x)))
                && user_filter.as_ref().is_none_or(|us| {
                    us.iter()
                        .any(|&u| policy.targets_user(u, |s, u| data.schedules.get(s).is_some_and(|s| s.has_user(u))))
                })
        })
        .collect();
    by_name(&mut matched, |p| &data.policies[p].name, descending);
    let ctx = Ctx::new(&state);
    let store = state.incidents();
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&p| render(&ctx, &store, p, &includes))
        .collect();
    Ok(ok(paging.envelope("escalation_policies", items, matched.len())))
}

/// `GET /escalation_policies/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let p = state.data.policy_idx(&id).ok_or_else(ApiError::not_found)?;
    let store = state.incidents();
    Ok(ok(
        json!({ "escalation_policy": render(&Ctx::new(&state), &store, p, &includes) }),
    ))
}

/// A full escalation policy object.
pub fn render(ctx: &Ctx<'_>, store: &IncidentStore, p: usize, includes: &Includes) -> Value {
    let Some(policy) = ctx.data.policies.get(p) else {
        return Value::Null;
    };
    let path = format!("/escalation_policies/{}", policy.id);
    let rules: Vec<Value> = policy
        .rules
        .iter()
        .map(|rule| {
            let targets: Vec<Value> = rule
                .targets
                .iter()
                .map(|target| match (*target, includes.has("targets")) {
                    (Target::User(u), false) => ctx.user_ref(u),
                    (Target::User(u), true) => users::render(ctx, u, &Includes::none()),
                    (Target::Schedule(s), false) => ctx.schedule_ref(s),
                    (Target::Schedule(s), true) => schedules::render_summary(ctx, s),
                })
                .collect();
            json!({
                "id": rule.id,
                "escalation_delay_in_minutes": rule.delay_minutes,
                "targets": targets,
            })
        })
        .collect();
    let service_list: Vec<Value> = policy
        .services
        .iter()
        .map(|&s| {
            if includes.has("services") {
                services::render(ctx, store, s, &Includes::none())
            } else {
                ctx.service_ref(s)
            }
        })
        .collect();
    let teams: Vec<Value> = policy
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
    json!({
        "id": policy.id,
        "type": "escalation_policy",
        "summary": policy.name,
        "self": ctx.links.api(&path),
        "html_url": ctx.links.web(&path),
        "name": policy.name,
        "description": policy.description,
        "num_loops": policy.num_loops,
        "on_call_handoff_notifications": "if_has_services",
        "escalation_rules": rules,
        "services": service_list,
        "teams": teams,
    })
}
