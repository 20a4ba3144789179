//! On-calls: `GET /oncalls` with `since`/`until` (both default to now: who is on call at
//! this instant; `until` may not be before `since` nor more than 90 days ahead or after
//! `since`),
//! `user_ids[]`, `schedule_ids[]`, `escalation_policy_ids[]`, `earliest=true` and
//! `include[]` (`users`, `schedules`, `escalation_policies`). Entries are ordered by
//! policy name, level and start; a direct user target has `schedule`, `start` and `end`
//! null (on call indefinitely).

use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::{Includes, Params};
use super::refs::Ctx;
use super::{ApiResult, ok, policies, schedules, users};
use crate::data::when::{DAY, Secs};
use crate::data::{OnCall, earliest_only, oncalls};
use crate::state::Shared;

/// What `include[]` may expand on on-calls.
const INCLUDES: &[&str] = &["users", "schedules", "escalation_policies"];
/// How far ahead on-call shifts are served.
const MAX_AHEAD: Secs = 90 * DAY;
/// The longest range served.
const MAX_RANGE: Secs = 90 * DAY;

/// `GET /oncalls`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let now = super::now(&state);
    let since = params.instant("since")?.unwrap_or(now);
    let until = params.instant("until")?.unwrap_or(now);
    if until < since {
        return Err(ApiError::invalid("`until` must not be before `since`"));
    }
    if until > now + MAX_AHEAD {
        return Err(ApiError::invalid("on-call shifts are served at most 90 days ahead"));
    }
    if until - since > MAX_RANGE {
        return Err(ApiError::invalid(
            "the range from `since` to `until` must be at most 90 days",
        ));
    }
    let data = &state.data;
    let user_ids = params.ids("user_ids", |id| data.user_idx(id))?;
    let schedule_ids = params.ids("schedule_ids", |id| data.schedule_idx(id))?;
    let policy_ids = params.ids("escalation_policy_ids", |id| data.policy_idx(id))?;
    let earliest = params.flag("earliest")?;

    let mut entries: Vec<OnCall> = oncalls(data, since, until)
        .into_iter()
        .filter(|e| {
            user_ids.as_ref().is_none_or(|set| set.contains(&e.user))
                && policy_ids.as_ref().is_none_or(|set| set.contains(&e.policy))
                && schedule_ids
                    .as_ref()
                    .is_none_or(|set| e.schedule.is_some_and(|s| set.contains(&s)))
        })
        .collect();
    if earliest {
        earliest_only(&mut entries);
    }
    entries.sort_by(|a, b| {
        let name = |e: &OnCall| data.policies.get(e.policy).map(|p| p.name.to_lowercase());
        let user = |e: &OnCall| data.users.get(e.user).map(|u| u.name.as_str());
        (name(a), a.policy, a.level, a.start.is_some(), a.start, user(a)).cmp(&(
            name(b),
            b.policy,
            b.level,
            b.start.is_some(),
            b.start,
            user(b),
        ))
    });

    let ctx = Ctx::new(&state);
    let store = state.incidents();
    let items = entries[paging.window(entries.len())]
        .iter()
        .map(|e| {
            let schedule = e.schedule.and_then(|s| data.schedules.get(s));
            let time = |t: Option<Secs>| match (t, schedule) {
                (Some(t), Some(s)) => json!(schedules::at(s, t)),
                _ => Value::Null,
            };
            json!({
                "escalation_policy": if includes.has("escalation_policies") {
                    policies::render(&ctx, &store, e.policy, &Includes::none())
                } else {
                    ctx.policy_ref(e.policy)
                },
                "escalation_level": e.level,
                "schedule": match e.schedule {
                    None => Value::Null,
                    Some(s) if includes.has("schedules") => schedules::render_summary(&ctx, s),
                    Some(s) => ctx.schedule_ref(s),
                },
                "user": if includes.has("users") {
                    users::render(&ctx, e.user, &Includes::none())
                } else {
                    ctx.user_ref(e.user)
                },
                "start": time(e.start),
                "end": time(e.end),
            })
        })
        .collect();
    Ok(ok(paging.envelope("oncalls", items, entries.len())))
}
