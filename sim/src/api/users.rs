//! Users: `GET /users` (`query` on name or e-mail, `team_ids[]`, `include[]`), `/users/me`,
//! `/users/{id}`, `/users/{id}/contact_methods[/{id}]`, and the JSON shapes of users and
//! contact methods.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::ApiError;
use super::page::Paging;
use super::query::{Includes, Params};
use super::refs::Ctx;
use super::teams::render_team;
use super::{ApiResult, Caller, by_name, ok};
use crate::data::{ContactKind, ContactMethod, User, when};
use crate::state::Shared;

/// What `include[]` may expand on users.
const INCLUDES: &[&str] = &["contact_methods", "notification_rules", "teams", "subdomains"];

/// `GET /users/me`: the token's user. No scope is required.
pub async fn me(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let u = state.data.user_idx(&caller.user_id).ok_or_else(ApiError::not_found)?;
    Ok(ok(json!({ "user": render(&Ctx::new(&state), u, &includes) })))
}

/// `GET /users`.
pub async fn list(State(state): State<Shared>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let includes = Includes::parse(&params, INCLUDES)?;
    let search = params.search()?;
    let teams = params.ids("team_ids", |id| state.data.team_idx(id))?;
    let data = &state.data;
    let mut matched: Vec<usize> = (0..data.users.len())
        .filter(|&u| {
            let user = &data.users[u];
            search
                .as_ref()
                .is_none_or(|q| user.name.to_lowercase().contains(q) || user.email.to_lowercase().contains(q))
                && teams.as_ref().is_none_or(|t| user.teams.iter().any(|x| t.contains(x)))
        })
        .collect();
    by_name(&mut matched, |u| &data.users[u].name, false);
    let ctx = Ctx::new(&state);
    let items = matched[paging.window(matched.len())]
        .iter()
        .map(|&u| render(&ctx, u, &includes))
        .collect();
    Ok(ok(paging.envelope("users", items, matched.len())))
}

/// `GET /users/{id}`.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult {
    let includes = Includes::parse(&Params::parse(raw.as_deref()), INCLUDES)?;
    let u = state.data.user_idx(&id).ok_or_else(ApiError::not_found)?;
    Ok(ok(json!({ "user": render(&Ctx::new(&state), u, &includes) })))
}

/// `GET /users/{id}/contact_methods` (not paginated, like PagerDuty).
pub async fn contact_methods(State(state): State<Shared>, Path(id): Path<String>) -> ApiResult {
    let user = state.data.user(&id).ok_or_else(ApiError::not_found)?;
    let ctx = Ctx::new(&state);
    let methods: Vec<Value> = user
        .contact_methods
        .iter()
        .map(|m| render_contact_method(&ctx, user, m))
        .collect();
    Ok(ok(json!({ "contact_methods": methods })))
}

/// `GET /users/{id}/contact_methods/{method_id}`.
pub async fn contact_method(State(state): State<Shared>, Path((id, method)): Path<(String, String)>) -> ApiResult {
    let user = state.data.user(&id).ok_or_else(ApiError::not_found)?;
    let found = user
        .contact_methods
        .iter()
        .find(|m| m.id == method)
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(
        json!({ "contact_method": render_contact_method(&Ctx::new(&state), user, found) }),
    ))
}

/// A full user object; `include[]` expands contact methods and teams.
pub fn render(ctx: &Ctx<'_>, u: usize, includes: &Includes) -> Value {
    let Some(user) = ctx.data.users.get(u) else {
        return Value::Null;
    };
    let path = format!("/users/{}", user.id);
    let teams: Vec<Value> = user
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
    let contact_methods: Vec<Value> = user
        .contact_methods
        .iter()
        .map(|m| {
            if includes.has("contact_methods") {
                render_contact_method(ctx, user, m)
            } else {
                let api_path = format!("{path}/contact_methods/{}", m.id);
                ctx.links
                    .reference(m.kind.reference_type(), &m.id, &m.label, &api_path, None)
            }
        })
        .collect();
    json!({
        "id": user.id,
        "type": "user",
        "summary": user.name,
        "self": ctx.links.api(&path),
        "html_url": ctx.links.web(&path),
        "name": user.name,
        "email": user.email,
        "role": user.role.as_str(),
        "job_title": user.job_title,
        "time_zone": user.time_zone,
        "color": user.color,
        "avatar_url": avatar_url(&user.email),
        "description": user.description,
        "teams": teams,
        "contact_methods": contact_methods,
        "notification_rules": [],
        "invitation_sent": false,
    })
}

/// A full contact method object.
pub fn render_contact_method(ctx: &Ctx<'_>, user: &User, method: &ContactMethod) -> Value {
    let mut body = json!({
        "id": method.id,
        "type": method.kind.object_type(),
        "summary": method.label,
        "self": ctx.links.api(&format!("/users/{}/contact_methods/{}", user.id, method.id)),
        "html_url": null,
        "label": method.label,
        "address": method.address,
    });
    match method.kind {
        ContactKind::Email => {
            body["send_short_email"] = json!(false);
            body["send_html_email"] = json!(true);
        }
        ContactKind::Phone | ContactKind::Sms => {
            body["country_code"] = json!(method.country_code);
            body["blacklisted"] = json!(false);
            if method.kind == ContactKind::Sms {
                body["enabled"] = json!(true);
            }
        }
        ContactKind::Push => {
            body["device_type"] = json!(method.device_type);
            body["created_at"] = json!(when::utc(method.created_at));
            body["blacklisted"] = json!(false);
            body["sounds"] = json!([]);
        }
    }
    body
}

/// Gravatar URL for an e-mail address (SHA-256 form).
fn avatar_url(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("https://secure.gravatar.com/avatar/{hex}?d=mm&r=PG")
}
