//! Teams: `GET /teams` (`query`), `/teams/{id}`, `/teams/{id}/members` (paginated, each
//! member a user reference with a team `role`; `include[]=users` sends whole users).

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::page::Paging;
use super::query::{Includes, Params};
use super::refs::Ctx;
use super::{ApiResult, by_name, ok, users};
use crate::state::Shared;

/// `GET /teams`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let search = params.search()?;
    let data = &state.data;
    let mut matched: Vec<usize> = (0..data.teams.len())
        .filter(|&t| {
            search
                .as_ref()
                .is_none_or(|q| data.teams[t].name.to_lowercase().contains(q))
        })
        .collect();
    by_name(&mut matched, |t| &data.teams[t].name, false);
    let ctx = Ctx::new(&state);
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&t| render_team(&ctx, t))
        .collect();
    Ok(ok(paging.envelope("teams", items, matched.len())))
}

/// `GET /teams/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let t = state.data.team_idx(&id).ok_or_else(ApiError::not_found)?;
    Ok(ok(json!({ "team": render_team(&Ctx::new(&state), t) })))
}

/// `GET /teams/{id}/members`.
pub async fn members(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let t = state.data.team_idx(&id).ok_or_else(ApiError::not_found)?;
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, &["users"])?;
    let members = &state.data.teams[t].members;
    let ctx = Ctx::new(&state);
    let items = members[paging.window(members.len())]
        .iter()
        .map(|&(u, role)| {
            let user = if includes.has("users") {
                users::render(&ctx, u, &Includes::none())
            } else {
                ctx.user_ref(u)
            };
            json!({ "user": user, "role": role.as_str() })
        })
        .collect();
    Ok(ok(paging.envelope("members", items, members.len())))
}

/// A full team object.
pub fn render_team(ctx: &Ctx<'_>, t: usize) -> Value {
    let Some(team) = ctx.data.teams.get(t) else {
        return Value::Null;
    };
    let path = format!("/teams/{}", team.id);
    json!({
        "id": team.id,
        "type": "team",
        "summary": team.name,
        "self": ctx.links.api(&path),
        "html_url": ctx.links.web(&path),
        "name": team.name,
        "description": team.description,
        "parent": null,
        "default_role": "manager",
    })
}
