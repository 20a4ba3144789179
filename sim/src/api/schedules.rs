//! Schedules: `GET /schedules` (`query`), `/schedules/{id}` with `since`, `until` and
//! `overflow` (layers, overrides and the final schedule rendered over the range, gaps in
//! the final schedule as entries whose `user` is `null`), and `/schedules/{id}/users`.
//! Times of a schedule are written at its zone's standard offset (`...-05:00`).

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::Params;
use super::refs::Ctx;
use super::{ApiResult, by_name, ok, users};
use crate::data::when::{self, DAY, Secs};
use crate::data::{Schedule, Span, coverage_percentage};
use crate::state::Shared;

/// Default length of a rendered range (from `since`, by default now).
const DEFAULT_RANGE: Secs = 7 * DAY;
/// Longest range a schedule is rendered over.
const MAX_RANGE: Secs = 90 * DAY;

/// `GET /schedules`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let search = params.search()?;
    let data = &state.data;
    let mut matched: Vec<usize> = (0..data.schedules.len())
        .filter(|&s| {
            search
                .as_ref()
                .is_none_or(|q| data.schedules[s].name.to_lowercase().contains(q))
        })
        .collect();
    by_name(&mut matched, |s| &data.schedules[s].name, false);
    let ctx = Ctx::new(&state);
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&s| render_summary(&ctx, s))
        .collect();
    Ok(ok(paging.envelope("schedules", items, matched.len())))
}

/// The range of a schedule request: `since` (default now) to `until` (default a week
/// later), at most 90 days.
fn range(params: &Params, now: Secs) -> Result<(Secs, Secs), ApiError> {
    let since = params.instant("since")?.unwrap_or(now);
    let until = params.instant("until")?.unwrap_or(since + DEFAULT_RANGE);
    if until < since {
        return Err(ApiError::invalid("`until` must not be before `since`"));
    }
    if until - since > MAX_RANGE {
        return Err(ApiError::invalid(
            "the range from `since` to `until` must be at most 90 days",
        ));
    }
    Ok((since, until))
}

/// `GET /schedules/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let s = state.data.schedule_idx(&id).ok_or_else(ApiError::not_found)?;
    let params = Params::parse(raw.as_deref());
    let (since, until) = range(&params, super::now(&state))?;
    let overflow = params.flag("overflow")?;
    let ctx = Ctx::new(&state);
    let schedule = &state.data.schedules[s];
    let mut body = render_summary(&ctx, s);
    let layers: Vec<Value> = schedule
        .layers
        .iter()
        .rev()
        .map(|layer| {
            let spans = rendered(schedule, since, until, overflow, |a, b| {
                schedule.render_layer(layer, a, b)
            });
            json!({
                "id": layer.id,
                "name": layer.name,
                "start": at(schedule, layer.start),
                "end": layer.end.map(|e| at(schedule, e)),
                "rotation_virtual_start": at(schedule, layer.rotation_virtual_start),
                "rotation_turn_length_seconds": layer.turn,
                "users": layer.users.iter().map(|&u| json!({"user": ctx.user_ref(u)})).collect::<Vec<_>>(),
                "restrictions": layer.restrictions.iter().map(|r| {
                    let mut restriction = json!({
                        "type": if r.weekday.is_some() { "weekly_restriction" } else { "daily_restriction" },
                        "start_time_of_day": time_of_day(r.start_of_day),
                        "duration_seconds": r.duration,
                    });
                    if let Some(day) = r.weekday {
                        restriction["start_day_of_week"] = json!(day);
                    }
                    restriction
                }).collect::<Vec<_>>(),
                "rendered_schedule_entries": entries(&ctx, schedule, &spans),
                "rendered_coverage_percentage": coverage_percentage(&spans, since, until),
            })
        })
        .collect();
    let overrides = rendered(schedule, since, until, overflow, |a, b| schedule.render_overrides(a, b));
    let final_spans = rendered(schedule, since, until, overflow, |a, b| schedule.render_final(a, b));
    body["schedule_layers"] = json!(layers);
    body["overrides_subschedule"] = json!({
        "name": "Overrides",
        "rendered_schedule_entries": entries(&ctx, schedule, &overrides),
        "rendered_coverage_percentage": coverage_percentage(&overrides, since, until),
    });
    body["final_schedule"] = json!({
        "name": "Final Schedule",
        "rendered_schedule_entries": entries(&ctx, schedule, &final_spans),
        "rendered_coverage_percentage": coverage_percentage(&final_spans, since, until),
    });
    Ok(ok(json!({ "schedule": body })))
}

/// `GET /schedules/{id}/users`: users on call in the range (whole user objects).
pub async fn on_call_users(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let s = state.data.schedule_idx(&id).ok_or_else(ApiError::not_found)?;
    let (since, until) = range(&Params::parse(raw.as_deref()), super::now(&state))?;
    let mut found = Vec::new();
    for span in state.data.schedules[s].render_final(since, until.max(since + 1)) {
        if let Some(u) = span.user.filter(|u| !found.contains(u)) {
            found.push(u);
        }
    }
    let ctx = Ctx::new(&state);
    let list: Vec<Value> = found
        .into_iter()
        .map(|u| users::render(&ctx, u, &super::query::Includes::none()))
        .collect();
    Ok(ok(json!({ "users": list })))
}

/// Spans over the range: clipped to it, or with `overflow` whole shifts that overlap it.
fn rendered(
    schedule: &Schedule,
    since: Secs,
    until: Secs,
    overflow: bool,
    render: impl Fn(Secs, Secs) -> Vec<Span>,
) -> Vec<Span> {
    if !overflow {
        return render(since, until);
    }
    let margin = schedule.longest_turn() + DAY;
    render(since - margin, until + margin)
        .into_iter()
        .filter(|s| s.start < until && s.end > since)
        .collect()
}

fn entries(ctx: &Ctx<'_>, schedule: &Schedule, spans: &[Span]) -> Vec<Value> {
    spans
        .iter()
        .map(|span| {
            json!({
                "start": at(schedule, span.start),
                "end": at(schedule, span.end),
                "user": span.user.map_or(Value::Null, |u| ctx.user_ref(u)),
            })
        })
        .collect()
}

/// A schedule time at the schedule's offset.
pub fn at(schedule: &Schedule, secs: Secs) -> String {
    when::with_offset(secs, schedule.offset)
}

fn time_of_day(secs: Secs) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A schedule as lists show it (no layers).
pub fn render_summary(ctx: &Ctx<'_>, s: usize) -> Value {
    let Some(schedule) = ctx.data.schedules.get(s) else {
        return Value::Null;
    };
    let path = format!("/schedules/{}", schedule.id);
    json!({
        "id": schedule.id,
        "type": "schedule",
        "summary": schedule.name,
        "self": ctx.links.api(&path),
        "html_url": ctx.links.web(&path),
        "name": schedule.name,
        "description": schedule.description,
        "time_zone": schedule.time_zone,
        "users": schedule.users().into_iter().map(|u| ctx.user_ref(u)).collect::<Vec<_>>(),
        "escalation_policies": schedule.policies.iter().map(|&p| ctx.policy_ref(p)).collect::<Vec<_>>(),
        "teams": schedule.teams.iter().map(|&t| ctx.team_ref(t)).collect::<Vec<_>>(),
    })
}
